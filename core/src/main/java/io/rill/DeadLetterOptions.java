package io.rill;

/**
 * Dead letters (semantics 7). When an entry's delivery count reaches {@code maxDeliveries} and its
 * last attempt failed, or it arrives (history read, claim) with more deliveries than that, it is
 * added to the dead-letter stream with its fields and what happened to it, and acknowledged, in one
 * atomic step. Off, a failing entry is delivered again and again, for as long as it fails.
 *
 * @param enabled       move entries that keep failing to a dead-letter stream
 * @param maxDeliveries deliveries an entry gets (each with its retries) before it is dead-lettered
 * @param stream        the dead-letter stream for every stream read; null for {@code <stream>:dlq} per stream
 * @param maxLength     the approximate cap of the dead-letter stream ({@code MAXLEN ~}); 0 for none
 */
public record DeadLetterOptions(boolean enabled, int maxDeliveries, String stream, long maxLength) {

    public static final int DEFAULT_MAX_DELIVERIES = 5;
    /** Appended to the stream key to name its dead-letter stream when none is set. */
    public static final String SUFFIX = ":dlq";
    public static final DeadLetterOptions DEFAULT = builder().build();
    static final int MAX_DELIVERIES = 1_000_000;

    public DeadLetterOptions {
        Options.range("dead-letter.max-deliveries", maxDeliveries, 1, MAX_DELIVERIES);
        if (stream != null && stream.isBlank()) {
            throw new IllegalArgumentException("dead-letter.stream must be a stream key or unset (for <stream>"
                    + SUFFIX + "), was blank");
        }
        if (maxLength < 0) {
            throw new IllegalArgumentException("dead-letter.max-length must be >= 0 (0 for no cap), was " + maxLength);
        }
    }

    /** The dead-letter stream of entries from {@code source}. */
    public String streamFor(String source) {
        return stream != null ? stream : source + SUFFIX;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link DeadLetterOptions}; {@link #build()} validates. */
    public static final class Builder {
        private boolean enabled = true;
        private int maxDeliveries = DEFAULT_MAX_DELIVERIES;
        private String stream;
        private long maxLength;

        private Builder() {
        }

        private Builder(DeadLetterOptions o) {
            enabled = o.enabled;
            maxDeliveries = o.maxDeliveries;
            stream = o.stream;
            maxLength = o.maxLength;
        }

        /** Move entries that keep failing to a dead-letter stream. Default true. */
        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /** Deliveries before an entry is dead-lettered, 1..1000000. Default 5. */
        public Builder maxDeliveries(int maxDeliveries) {
            this.maxDeliveries = maxDeliveries;
            return this;
        }

        /** One dead-letter stream for every stream read. Default: {@code <stream>:dlq} per stream. */
        public Builder stream(String stream) {
            this.stream = stream;
            return this;
        }

        /** Approximate cap of the dead-letter stream ({@code MAXLEN ~}), 0 for none. Default 0. */
        public Builder maxLength(long maxLength) {
            this.maxLength = maxLength;
            return this;
        }

        public DeadLetterOptions build() {
            return new DeadLetterOptions(enabled, maxDeliveries, stream, maxLength);
        }
    }
}
