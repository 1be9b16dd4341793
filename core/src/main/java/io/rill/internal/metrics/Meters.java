package io.rill.internal.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import static io.rill.metrics.SubscriptionMetrics.ACKED;
import static io.rill.metrics.SubscriptionMetrics.CLAIMED;
import static io.rill.metrics.SubscriptionMetrics.CONSUMERS_DELETED;
import static io.rill.metrics.SubscriptionMetrics.DEAD_LETTERED;
import static io.rill.metrics.SubscriptionMetrics.DEDUPLICATED;
import static io.rill.metrics.SubscriptionMetrics.FAILED;
import static io.rill.metrics.SubscriptionMetrics.HANDLED;
import static io.rill.metrics.SubscriptionMetrics.HANDLER_DURATION;
import static io.rill.metrics.SubscriptionMetrics.HANDLER_TIMEOUTS;
import static io.rill.metrics.SubscriptionMetrics.LEASES_DROPPED;
import static io.rill.metrics.SubscriptionMetrics.LEASES_LOST;
import static io.rill.metrics.SubscriptionMetrics.LEASES_RENEWED;
import static io.rill.metrics.SubscriptionMetrics.READ;
import static io.rill.metrics.SubscriptionMetrics.RETRIED;
import static io.rill.metrics.SubscriptionMetrics.TRIMMED;

/**
 * The meters of one subscription (names in {@link io.rill.metrics.SubscriptionMetrics}), created once
 * per stream so that the hot path only looks them up. Tagged with {@code stream}, {@code group} and
 * {@code consumer}. {@link #close()} removes them from the registry when the subscription has stopped;
 * a late callback may still count on them, unseen.
 */
public final class Meters implements AutoCloseable {

    private final MeterRegistry registry;
    private final Map<String, StreamMeters> byStream;

    public Meters(MeterRegistry registry, List<String> streams, String group, String consumer) {
        this.registry = registry;
        Map<String, StreamMeters> meters = new HashMap<>();
        for (String stream : streams) {
            meters.put(stream, new StreamMeters(registry, Tags.of("stream", stream, "group", group, "consumer", consumer)));
        }
        this.byStream = Map.copyOf(meters);
    }

    /** Removes every meter of the subscription from the registry; call once it has settled for the last time. */
    @Override
    public void close() {
        for (StreamMeters meters : byStream.values()) {
            for (Meter meter : meters.all) {
                registry.remove(meter);
            }
        }
    }

    public StreamMeters stream(String stream) {
        return byStream.get(stream);
    }

    /** The meters of one stream of the subscription. */
    public static final class StreamMeters {
        private final Counter read;
        private final Counter handled;
        private final Counter failed;
        private final Counter acked;
        private final Counter trimmed;
        private final Counter deduplicated;
        private final Timer handlerDuration;
        private final Counter claimed;
        private final Counter retried;
        private final Counter deadLettered;
        private final Counter leasesRenewed;
        private final Counter leasesLost;
        private final Counter consumersDeleted;
        private final Counter leasesDropped;
        private final Counter handlerTimeouts;
        private final List<Meter> all = new ArrayList<>();

        StreamMeters(MeterRegistry registry, Tags tags) {
            read = Counter.builder(READ).description("Entries read from the stream").tags(tags).register(registry);
            handled = Counter.builder(HANDLED).description("Entries whose handler returned normally").tags(tags).register(registry);
            failed = Counter.builder(FAILED).description("Deliveries whose last attempt failed").tags(tags).register(registry);
            acked = Counter.builder(ACKED).description("Entries acknowledged with XACK").tags(tags).register(registry);
            trimmed = Counter.builder(TRIMMED).description("Pending entries found deleted or trimmed; acked without a handler").tags(tags).register(registry);
            deduplicated = Counter.builder(DEDUPLICATED).description("Redelivered entries the checkpoint journal "
                    + "had as handled; acked without running the handler again").tags(tags).register(registry);
            handlerDuration = Timer.builder(HANDLER_DURATION).description("Time spent in the handler per call").tags(tags).register(registry);
            claimed = Counter.builder(CLAIMED).description("Stale pending entries taken over with XAUTOCLAIM").tags(tags).register(registry);
            retried = Counter.builder(RETRIED).description("Handler calls repeated after a failure, in process").tags(tags).register(registry);
            deadLettered = Counter.builder(DEAD_LETTERED).description("Entries moved to the dead-letter stream and acked").tags(tags).register(registry);
            leasesRenewed = Counter.builder(LEASES_RENEWED).description("Idle-time resets of entries held here (XCLAIM JUSTID)").tags(tags).register(registry);
            leasesLost = Counter.builder(LEASES_LOST).description("Entries held here found claimed by another consumer").tags(tags).register(registry);
            consumersDeleted = Counter.builder(CONSUMERS_DELETED).description("Dead consumers of the group deleted by the janitor").tags(tags).register(registry);
            leasesDropped = Counter.builder(LEASES_DROPPED).description("Leases no longer renewed: entries held longer than reclaim.max-lease").tags(tags).register(registry);
            handlerTimeouts = Counter.builder(HANDLER_TIMEOUTS).description("Handler calls that ran past handler-timeout; their entries failed").tags(tags).register(registry);
            all.addAll(List.of(read, handled, failed, acked, trimmed, deduplicated, handlerDuration, claimed, retried,
                    deadLettered, leasesRenewed, leasesLost, consumersDeleted, leasesDropped, handlerTimeouts));
        }

        public void read(int n) {
            read.increment(n);
        }

        public void handled(int n) {
            handled.increment(n);
        }

        public void failed(int n) {
            failed.increment(n);
        }

        public void acked(long n) {
            acked.increment(n);
        }

        public void trimmed(int n) {
            trimmed.increment(n);
        }

        public void deduplicated(int n) {
            deduplicated.increment(n);
        }

        public void handlerTime(long nanos) {
            handlerDuration.record(nanos, TimeUnit.NANOSECONDS);
        }

        public void claimed(int n) {
            claimed.increment(n);
        }

        public void retried(int n) {
            retried.increment(n);
        }

        public void deadLettered(int n) {
            deadLettered.increment(n);
        }

        public void leasesRenewed(int n) {
            leasesRenewed.increment(n);
        }

        public void leasesLost(int n) {
            leasesLost.increment(n);
        }

        public void consumersDeleted(int n) {
            consumersDeleted.increment(n);
        }

        public void leasesDropped(int n) {
            leasesDropped.increment(n);
        }

        public void handlerTimeouts(int n) {
            handlerTimeouts.increment(n);
        }
    }
}
