package io.rill;

/**
 * Handles one entry at a time and settles it itself through the {@link Acknowledgement}: the entry is
 * acknowledged only on {@link Acknowledgement#ack()}, and may be settled after this method returned
 * (from another thread, say once an asynchronous write completed). Throwing before settling fails the
 * entry like {@link Acknowledgement#nack(Throwable)}.
 *
 * <p>An entry that is never settled keeps its in-flight slot until the subscription stops, and then stays
 * pending in Redis.
 */
@FunctionalInterface
public interface ManualHandler {

    void handle(StreamEntry entry, Acknowledgement acknowledgement) throws Exception;
}
