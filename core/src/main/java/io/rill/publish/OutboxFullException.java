package io.rill.publish;

/**
 * A publish did not fit into the producer's outbox: Redis has been unreachable (or slower than the producer)
 * for long enough that {@code outbox.max-entries} or {@code outbox.max-bytes} entries wait. Nothing was
 * written: the caller still holds the entry (retry later, fail the request, or raise the limit).
 */
public final class OutboxFullException extends IllegalStateException {

    private final String option;

    public OutboxFullException(String option, String message) {
        super(message);
        this.option = option;
    }

    /** The limit that was reached: {@code outbox.max-entries} or {@code outbox.max-bytes}. */
    public String option() {
        return option;
    }
}
