package io.rill;

/**
 * Settles the entry (or the batch) handed to a {@link ManualHandler} or {@link ManualBatchHandler}.
 * Until one of these methods is called, the entry stays in flight: it holds a slot of
 * {@code max-in-flight} and stays pending in Redis.
 *
 * <p>Thread-safe, and usable after the handler returned, from any thread. Only the first call counts;
 * later calls return false and change nothing.
 */
public interface Acknowledgement {

    /**
     * The entry is done: it is acknowledged with the next XACK flush.
     *
     * @return true when this call settled the entry, false when it was already settled
     */
    boolean ack();

    /**
     * The entry failed now: it stays pending in Redis (to be handled again later) and its in-flight
     * slot is freed at once.
     *
     * @return true when this call settled the entry, false when it was already settled
     */
    default boolean nack() {
        return nack(null);
    }

    /** As {@link #nack()}, with the reason, which is logged. */
    boolean nack(Throwable cause);

    /** True once {@link #ack()} or {@link #nack()} was called (or the handler threw first). */
    boolean settled();
}
