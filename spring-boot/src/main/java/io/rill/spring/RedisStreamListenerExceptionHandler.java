package io.rill.spring;

/**
 * Implemented by a bean with {@link RedisStreamListener} methods that wants to see its own failures first.
 * Without it, a failure leaves the entries failed: pending in Redis, then retried and dead-lettered by the
 * core as its options say (and logged at WARN by the core).
 */
@FunctionalInterface
public interface RedisStreamListenerExceptionHandler {

    /** What becomes of entries whose handling failed. */
    enum Resolution {
        /** The failure is dealt with: the entries are acknowledged as if the method had returned normally. */
        ACKNOWLEDGE,
        /** The entries stay failed: pending in Redis, retried and dead-lettered by the core. */
        FAIL
    }

    /**
     * Called on the worker thread that ran the method, once per failure. An exception thrown here is logged
     * with the original failure and counts as {@link Resolution#FAIL}.
     */
    Resolution handle(RedisStreamListenerException exception);
}
