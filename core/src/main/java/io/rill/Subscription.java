package io.rill;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A running subscription: one consumer of one group reading one or more streams. Obtained from
 * {@link Rill#subscribe}; thread-safe.
 */
public interface Subscription extends AutoCloseable {

    /** A name unique within its {@link Rill}: {@code group/consumer/streams}. */
    String id();

    SubscriptionOptions options();

    SubscriptionState state();

    /** When the subscription entered its current state. */
    Instant stateSince();

    /**
     * The last error that moved the subscription to RECOVERING or FAILED, or the last handler call that ran
     * past {@code handler-timeout} (a {@link HandlerTimeoutException}; the state stays RUNNING), if any.
     */
    Optional<Throwable> lastError();

    /** Entries read and not yet acknowledged or failed. */
    int inFlight();

    /**
     * Stops reading: the read in progress is cut short and, once this returns, no read is made until
     * {@link #resume()}; entries already read are still handled and acknowledged. The state does not
     * change. Idempotent.
     */
    void pause();

    /** Reads again after {@link #pause()}, starting with this consumer's own pending entries. Idempotent. */
    void resume();

    /** True between {@link #pause()} and {@link #resume()}. */
    boolean paused();

    /**
     * Stops gracefully within the subscription's shutdown timeout: no new reads, in-flight handlers
     * finish, their acks are flushed. Entries not finished stay pending in Redis. Returns within the
     * timeout whether Redis answers or not; the subscription's meters are removed from the registry.
     * Idempotent.
     */
    @Override
    default void close() {
        close(options().shutdownTimeout());
    }

    /** As {@link #close()}, waiting at most {@code timeout}; {@link Duration#ZERO} interrupts handlers at once. */
    void close(Duration timeout);
}
