package io.rill.internal.connect;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import io.lettuce.core.RedisCommandExecutionException;

/** What an error from Redis means for a subscription (semantics 10). */
public enum Failure {
    /** Connection loss, timeouts, LOADING, failover, overload: back off and try again. */
    TRANSIENT,
    /** The stream or the group is gone (deleted, or never created with auto-create off). */
    NO_GROUP,
    /** Retrying cannot help (wrong key type, missing permission, bad credentials). */
    FATAL;

    /** Classifies an error thrown by a Lettuce call. */
    public static Failure of(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof RedisCommandExecutionException) {
            String message = String.valueOf(cause.getMessage());
            // a blocked read is woken with UNBLOCKED when its stream or group is deleted (Redis 7+)
            if (message.startsWith("NOGROUP") || (message.startsWith("UNBLOCKED") && message.contains("no longer exists"))) {
                return NO_GROUP;
            }
            if (message.startsWith("WRONGTYPE") || message.startsWith("NOPERM") || message.startsWith("NOAUTH")
                    || message.startsWith("WRONGPASS") || message.startsWith("ERR unknown command")) {
                return FATAL;
            }
        }
        return TRANSIENT;
    }

    /** The error a future or a reflective call wrapped. */
    public static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
