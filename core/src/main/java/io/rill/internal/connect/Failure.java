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
     * True for a {@code READONLY} reply: the node answering is a replica (after a failover, or a
     * misconfigured address). Retrying on the same connection cannot help; a new connection may reach the
     * master.
     */
    public static boolean readOnly(Throwable error) {
        if (unwrap(error) instanceof RedisCommandExecutionException server) {
            String message = String.valueOf(server.getMessage());
            // a script whose write Redis refused carries the reply inside its own error
            return message.startsWith("READONLY") || message.contains("READONLY You can't write");
        }
        return false;
    }

    /**
     * True for a cluster's {@code MOVED} reply: the node no longer serves the key's slot (a failover or a
     * resharding). A new connection, after a topology refresh, reaches the owner.
     */
    public static boolean moved(Throwable error) {
        return unwrap(error) instanceof RedisCommandExecutionException server
                && String.valueOf(server.getMessage()).startsWith("MOVED");
    }

    /**
     * The error that says what happened: the one a future or a reflective call wrapped; for a connect the
     * server refused (wrong password, missing AUTH), the server's reply inside Lettuce's exception.
     */
    public static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof RedisConnectionException) {
            for (Throwable inner = cause.getCause(); inner != null && inner != cause; inner = inner.getCause()) {
                if (inner instanceof RedisCommandExecutionException) {
                    return inner;
                }
                if (inner.getCause() == inner) {
                    break;
                }
            }
        }
        return cause;
    }
}
