package io.rill;

import java.time.Duration;

/**
 * Reclaim of stale pending entries and lease renewal (semantics 6). Every {@code interval} the
 * subscription takes, with XAUTOCLAIM, entries of its group that have been pending longer than
 * {@code minIdle}, whoever holds them: a dead consumer's, or its own after their retries ran out.
 * Entries this consumer still holds (queued, being handled or retried, waiting for their ack) get
 * their idle time reset every {@code leaseRenewalInterval}, so another consumer never takes them.
 *
 * <p>{@code minIdle} is a group-wide contract: give every consumer of a group the same value. With
 * lease renewal it need not exceed the handler time; it must exceed the longest stall a live consumer
 * may go through without reaching Redis (GC pause, network blip) plus the renewal interval, or such a
 * consumer's work is handled twice.
 *
 * <p>Renewal is bounded by {@code maxLease}: an entry held longer than that since it was read (a handler
 * that hangs, a manual ack that never comes) loses its lease, with a WARN and {@code rill.leases.dropped},
 * and becomes claimable by the group min-idle later.
 *
 * @param enabled              take other consumers' stale entries; lease renewal runs either way
 * @param interval             how often to look for stale entries ({@code claim-interval})
 * @param minIdle              how long an entry must have been idle to be taken ({@code claim-min-idle})
 * @param count                the COUNT of each XAUTOCLAIM, lowered to the free in-flight capacity
 * @param leaseRenewalInterval how often entries held here get their idle time reset; under half of minIdle
 * @param maxLease             the longest an entry held here has its lease renewed, from the time it was read or
 *                             claimed: past it the lease is dropped (a WARN, {@code rill.leases.dropped}) and
 *                             another consumer may claim the entry after minIdle; longer than leaseRenewalInterval
 */
public record ReclaimOptions(boolean enabled, Duration interval, Duration minIdle, int count, Duration leaseRenewalInterval,
        Duration maxLease) {

    public static final Duration DEFAULT_INTERVAL = OptionTable.RECLAIM_INTERVAL.defaultValue();
    public static final Duration DEFAULT_MIN_IDLE = OptionTable.RECLAIM_MIN_IDLE.defaultValue();
    public static final int DEFAULT_COUNT = OptionTable.RECLAIM_COUNT.defaultValue();
    /** The max-lease used when none is set and min-idle is short: 30 minutes (see {@link #defaultMaxLease}). */
    public static final Duration DEFAULT_MAX_LEASE = Duration.ofMinutes(30);
    public static final ReclaimOptions DEFAULT = builder().build();
    static final int MAX_COUNT = OptionTable.MAX_BATCH_SIZE;

    public ReclaimOptions {
        OptionTable.RECLAIM_INTERVAL.check(interval);
        OptionTable.RECLAIM_MIN_IDLE.check(minIdle);
        OptionTable.RECLAIM_COUNT.check(count);
        Options.set("reclaim.lease-renewal-interval", OptionTable.RECLAIM_LEASE_RENEWAL_INTERVAL.check(leaseRenewalInterval));
        if (leaseRenewalInterval.multipliedBy(2).compareTo(minIdle) >= 0) {
            throw new InvalidOptionException("reclaim.lease-renewal-interval", leaseRenewalInterval,
                    "must be less than half of {0} (" + minIdle + ") so that an entry held here is renewed before another "
                            + "consumer may claim it, was " + leaseRenewalInterval + ": lower it or raise {0}",
                    "reclaim.min-idle");
        }
        Options.set("reclaim.max-lease", OptionTable.RECLAIM_MAX_LEASE.check(maxLease));
        if (maxLease.compareTo(leaseRenewalInterval) <= 0) {
            throw new InvalidOptionException("reclaim.max-lease", maxLease, "must be longer than {0} ("
                    + leaseRenewalInterval + "), or no lease would ever be renewed, was " + maxLease
                    + ": raise it above the longest time an entry may rightly be held", "reclaim.lease-renewal-interval");
        }
    }

    /** The max-lease used when none is set: 30 minutes, or ten times min-idle when that is longer. */
    public static Duration defaultMaxLease(Duration minIdle) {
        Duration tenfold = minIdle.multipliedBy(10);
        return tenfold.compareTo(DEFAULT_MAX_LEASE) > 0 ? tenfold : DEFAULT_MAX_LEASE;
    }

    /** The renewal interval used when none is set: a third of min-idle. */
    public static Duration defaultLeaseRenewalInterval(Duration minIdle) {
        return minIdle.dividedBy(3);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link ReclaimOptions}; {@link #build()} validates. */
    public static final class Builder {
        private boolean enabled = OptionTable.RECLAIM_ENABLED.defaultValue();
        private Duration interval = DEFAULT_INTERVAL;
        private Duration minIdle = DEFAULT_MIN_IDLE;
        private int count = DEFAULT_COUNT;
        private Duration leaseRenewalInterval; // null: a third of min-idle
        private Duration maxLease; // null: derived from min-idle

        private Builder() {
        }

        private Builder(ReclaimOptions o) {
            enabled = o.enabled;
            interval = o.interval;
            minIdle = o.minIdle;
            count = o.count;
            // a derived value follows min-idle when the copy changes it
            leaseRenewalInterval = o.leaseRenewalInterval.equals(defaultLeaseRenewalInterval(o.minIdle)) ? null
                    : o.leaseRenewalInterval;
            maxLease = o.maxLease.equals(defaultMaxLease(o.minIdle)) ? null : o.maxLease;
        }

        /** Take other consumers' stale entries. Default true. */
        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /** How often to look for stale entries; at most one block-timeout late. Default 5 s. */
        public Builder interval(Duration interval) {
            this.interval = interval;
            return this;
        }

        /** Idle time after which a pending entry may be taken; the same for the whole group. Default 60 s. */
        public Builder minIdle(Duration minIdle) {
            this.minIdle = minIdle;
            return this;
        }

        /** COUNT of each XAUTOCLAIM, 1..100000, lowered to the free in-flight capacity. Default 100. */
        public Builder count(int count) {
            this.count = count;
            return this;
        }

        /** How often held entries get their idle time reset; under half of min-idle. Default a third of min-idle. */
        public Builder leaseRenewalInterval(Duration leaseRenewalInterval) {
            this.leaseRenewalInterval = leaseRenewalInterval;
            return this;
        }

        /**
         * The longest an entry held here has its lease renewed, counted from when it was read or claimed;
         * longer than lease-renewal-interval. Past it the lease is dropped, so another consumer may claim the
         * entry after min-idle. Default 30 minutes, or ten times min-idle when that is longer.
         */
        public Builder maxLease(Duration maxLease) {
            this.maxLease = maxLease;
            return this;
        }

        public ReclaimOptions build() {
            Duration renewal = leaseRenewalInterval;
            if (renewal == null && minIdle != null) {
                renewal = defaultLeaseRenewalInterval(minIdle);
            }
            Duration lease = maxLease;
            if (lease == null && minIdle != null) {
                lease = defaultMaxLease(minIdle);
            }
            return new ReclaimOptions(enabled, interval, minIdle, count, renewal, lease);
        }
    }
}
