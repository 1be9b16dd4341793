package io.rill;

import java.time.Duration;

/**
 * Cleanup of dead consumers: every {@code interval} the subscription deletes the consumers of its group
 * that have no pending entries and have been inactive longer than {@code inactiveThreshold} (XINFO
 * CONSUMERS {@code inactive} on Redis 7.2+, {@code idle} before). A consumer with pending entries is
 * never deleted (the check and the delete are one atomic step), and neither is this consumer itself.
 *
 * @param enabled           delete dead consumers of the group
 * @param interval          how often to look
 * @param inactiveThreshold how long a consumer must have been inactive to be deleted
 */
public record JanitorOptions(boolean enabled, Duration interval, Duration inactiveThreshold) {

    public static final Duration DEFAULT_INTERVAL = OptionTable.JANITOR_INTERVAL.defaultValue();
    public static final Duration DEFAULT_INACTIVE_THRESHOLD = OptionTable.JANITOR_INACTIVE_THRESHOLD.defaultValue();
    public static final JanitorOptions DEFAULT = builder().build();

    public JanitorOptions {
        OptionTable.JANITOR_INTERVAL.check(interval);
        OptionTable.JANITOR_INACTIVE_THRESHOLD.check(inactiveThreshold);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link JanitorOptions}; {@link #build()} validates. */
    public static final class Builder {
        private boolean enabled = OptionTable.JANITOR_ENABLED.defaultValue();
        private Duration interval = DEFAULT_INTERVAL;
        private Duration inactiveThreshold = DEFAULT_INACTIVE_THRESHOLD;

        private Builder() {
        }

        private Builder(JanitorOptions o) {
            enabled = o.enabled;
            interval = o.interval;
            inactiveThreshold = o.inactiveThreshold;
        }

        /** Delete dead consumers of the group. Default true. */
        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /** How often to look for dead consumers. Default 1 min. */
        public Builder interval(Duration interval) {
            this.interval = interval;
            return this;
        }

        /** Inactivity after which a consumer without pending entries is deleted; above block-timeout. Default 1 h. */
        public Builder inactiveThreshold(Duration inactiveThreshold) {
            this.inactiveThreshold = inactiveThreshold;
            return this;
        }

        public JanitorOptions build() {
            return new JanitorOptions(enabled, interval, inactiveThreshold);
        }
    }
}
