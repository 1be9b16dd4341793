package io.rill;

import java.time.Duration;

/**
 * Dead letters (semantics 7). An entry is moved to its dead-letter stream, with its fields and what
 * happened to it, and acknowledged, in one atomic step, when
 * <ul>
 *   <li>its handler has failed {@code maxFailures} times in total: every failed attempt of every
 *       delivery, on any consumer of the group, across crashes (reason {@code failed}); or</li>
 *   <li>its handler threw an error the retry options call non-retryable (reason {@code non-retryable}); or</li>
 *   <li>it was handed to a handler {@code maxDeliveries} times without any outcome, neither success nor
 *       failure, e.g. a handler that kills the process (reason {@code crash-loop}).</li>
 * </ul>
 * Crashes, connection loss, Redis restarts, reclaim and graceful stops are never failures. The failure
 * count lives in Redis beside the stream (one hash per stream and group, written only when a handler
 * fails, its record removed with the ack or the move, the whole hash expiring {@code failureTtl} after
 * the last failure it recorded). Off, a failing entry is delivered again and again, for as long as it fails.
 *
 * @param enabled       move entries that keep failing to a dead-letter stream
 * @param maxFailures   failed handler attempts in total after which an entry is dead-lettered
 * @param maxDeliveries the crash-loop guard: hand-overs to a handler without any outcome; at least maxFailures
 * @param stream        the dead-letter stream for every stream read; null for {@code <stream>:dlq} per stream
 * @param maxLength     the approximate cap of the dead-letter stream ({@code MAXLEN ~}); 0 for none
 * @param failureTtl    how long failure counts are kept after the last failure recorded for the stream and group
 */
public record DeadLetterOptions(boolean enabled, int maxFailures, int maxDeliveries, String stream, long maxLength,
        Duration failureTtl) {

    public static final int DEFAULT_MAX_FAILURES = OptionTable.DEAD_LETTER_MAX_FAILURES.defaultValue();
    public static final int DEFAULT_MAX_DELIVERIES = 20;
    public static final Duration DEFAULT_FAILURE_TTL = OptionTable.DEAD_LETTER_FAILURE_TTL.defaultValue();
    /** Appended to the stream key to name its dead-letter stream when none is set. */
    public static final String SUFFIX = ":dlq";
    public static final DeadLetterOptions DEFAULT = builder().build();
    static final int MAX_COUNT = OptionTable.MAX_FAILURES;

    public DeadLetterOptions {
        OptionTable.DEAD_LETTER_MAX_FAILURES.check(maxFailures);
        OptionTable.DEAD_LETTER_MAX_DELIVERIES.check(maxDeliveries);
        if (maxDeliveries < maxFailures) {
            // every failing delivery fails at least once, so the guard never cuts a failing entry short
            throw new InvalidOptionException("dead-letter.max-deliveries", maxDeliveries, "must be >= {0} (" + maxFailures
                    + "), was " + maxDeliveries + ": max-deliveries is the crash-loop guard (deliveries with no outcome at "
                    + "all, default " + DEFAULT_MAX_DELIVERIES + "); to dead-letter an entry after fewer failed attempts, "
                    + "set {0} instead", "dead-letter.max-failures");
        }
        OptionTable.DEAD_LETTER_STREAM.check(stream);
        OptionTable.DEAD_LETTER_MAX_LENGTH.check(maxLength);
        OptionTable.DEAD_LETTER_FAILURE_TTL.check(failureTtl);
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
        private boolean enabled = OptionTable.DEAD_LETTER_ENABLED.defaultValue();
        private int maxFailures = DEFAULT_MAX_FAILURES;
        private Integer maxDeliveries; // null: the default, raised to max-failures when that is higher
        private String stream;
        private long maxLength = OptionTable.DEAD_LETTER_MAX_LENGTH.defaultValue();
        private Duration failureTtl = DEFAULT_FAILURE_TTL;

        private Builder() {
        }

        private Builder(DeadLetterOptions o) {
            enabled = o.enabled;
            maxFailures = o.maxFailures;
            maxDeliveries = o.maxDeliveries == Math.max(DEFAULT_MAX_DELIVERIES, o.maxFailures) ? null : o.maxDeliveries;
            stream = o.stream;
            maxLength = o.maxLength;
            failureTtl = o.failureTtl;
        }

        /** Move entries that keep failing to a dead-letter stream. Default true. */
        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /** Failed handler attempts in total (any delivery, any consumer) before an entry is dead-lettered, 1..1000000. Default 10. */
        public Builder maxFailures(int maxFailures) {
            this.maxFailures = maxFailures;
            return this;
        }

        /**
         * The crash-loop guard: deliveries to a handler without any outcome before an entry is dead-lettered,
         * at least max-failures. Default 20, or max-failures when that is higher.
         */
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

        /** How long failure counts are kept after the last recorded failure, at least 1 s. Default 7 days. */
        public Builder failureTtl(Duration failureTtl) {
            this.failureTtl = failureTtl;
            return this;
        }

        public DeadLetterOptions build() {
            int deliveries = maxDeliveries != null ? maxDeliveries : Math.max(DEFAULT_MAX_DELIVERIES, maxFailures);
            return new DeadLetterOptions(enabled, maxFailures, deliveries, stream, maxLength, failureTtl);
        }
    }
}
