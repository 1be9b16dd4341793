package io.rill.internal.connect;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;

/** What an error from Redis means for a subscription (semantics 10). */
public enum Failure {
    /** Connection loss, timeouts, LOADING, failover, overload: back off and try again. */
    TRANSIENT,
    /** The stream or the group is gone (deleted, or never created with auto-create off). */
    NO_GROUP,
    /** Retrying cannot help (wrong key type, missing permission, bad credentials). */
    FATAL;

    /**
     * Classifies an error thrown by a Lettuce call. The server's error may sit deeper than the top: a
     * failed connect (wrong password, missing AUTH) is a {@code RedisConnectionException} caused by it.
     */
    public static Failure of(Throwable error) {
        if (unwrap(error) instanceof RedisCommandExecutionException server) {
            String message = String.valueOf(server.getMessage());
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

    /**
     * The error that says what happened: the one a future, a reflective call or a failed connect wrapped
     * (a connect refused by the server carries the server's reply as its cause).
     */
    public static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException
                || cause instanceof RedisConnectionException) && cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }
}
