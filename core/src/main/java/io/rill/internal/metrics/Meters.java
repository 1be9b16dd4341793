package io.rill.internal.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.ObjIntConsumer;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.rill.StreamEntry;
import io.rill.SubscriptionState;

import static io.rill.metrics.SubscriptionMetrics.ACKED;
import static io.rill.metrics.SubscriptionMetrics.ACKS_FAILED;
import static io.rill.metrics.SubscriptionMetrics.DEAD_LETTERS_FAILED;
import static io.rill.metrics.SubscriptionMetrics.GROUP_PENDING;
import static io.rill.metrics.SubscriptionMetrics.IN_FLIGHT;
import static io.rill.metrics.SubscriptionMetrics.LAG;
import static io.rill.metrics.SubscriptionMetrics.LAG_AGE;
import static io.rill.metrics.SubscriptionMetrics.PENDING;
import static io.rill.metrics.SubscriptionMetrics.PENDING_AGE;
import static io.rill.metrics.SubscriptionMetrics.STATE;
import static io.rill.metrics.SubscriptionMetrics.TAG_EXCEPTION;
import static io.rill.metrics.SubscriptionMetrics.TAG_RESULT;
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
 *
 * <p>Without a registry (none given to {@code Rill}) the meters go to an empty one and handler calls are not
 * timed: {@link #clock()} reads no clock, which saves two reads per entry on the worker (about 27 ns each on a
 * VM's {@code kvm-clock}, a quarter of the worker's CPU per entry under a backlog) for a timer nobody reads.
 */
public final class Meters implements AutoCloseable {

    private final MeterRegistry registry;
    private final boolean timed;
    private final Map<String, StreamMeters> byStream;
    /** The meters of a subscription's only stream (the usual case); null for several streams. */
    private final StreamMeters only;
    private final Tags subscriptionTags;
    /** The subscription's own gauges (in flight, state). */
    private final List<Meter> subscription = new ArrayList<>();

    /** @param registry where the meters go; null for none (nothing is timed then) */
    public Meters(MeterRegistry registry, List<String> streams, String group, String consumer) {
        this.registry = registry != null ? registry : new CompositeMeterRegistry();
        this.timed = registry != null;
        Map<String, StreamMeters> meters = new HashMap<>();
        for (String stream : streams) {
            meters.put(stream, new StreamMeters(this.registry, Tags.of("stream", stream, "group", group, "consumer", consumer)));
        }
        this.byStream = Map.copyOf(meters);
        this.only = streams.size() == 1 ? byStream.get(streams.get(0)) : null;
        this.subscriptionTags = Tags.of("stream", String.join(",", streams), "group", group, "consumer", consumer);
    }

    /** Registers the gauges of the subscription as a whole: its in-flight entries and its state. */
    public void subscription(IntSupplier inFlight, Supplier<SubscriptionState> state) {
        // strong references: Micrometer holds a gauge's object weakly, and nothing else holds these lambdas
        // (the gauges go with close())
        subscription.add(Gauge.builder(IN_FLIGHT, inFlight, s -> s.getAsInt()).strongReference(true)
                .description("Entries read and not yet acknowledged or failed").tags(subscriptionTags).register(registry));
        for (SubscriptionState value : SubscriptionState.values()) {
            subscription.add(Gauge.builder(STATE, state, s -> s.get() == value ? 1 : 0).strongReference(true)
                    .description("1 for the state the subscription is in, 0 for the others")
                    .tags(subscriptionTags.and("state", value.name())).register(registry));
        }
    }

    /** Removes every meter of the subscription from the registry; call once it has settled for the last time. */
    @Override
    public void close() {
        for (StreamMeters meters : byStream.values()) {
            for (Meter meter : meters.all) {
                registry.remove(meter);
            }
            meters.handlerFailures.values().forEach(registry::remove);
        }
        subscription.forEach(registry::remove);
    }

    public StreamMeters stream(String stream) {
        return byStream.get(stream);
    }

    /**
     * The start of a handler call, for {@link #handlerTime}: the clock when calls are timed, 0 (no clock read)
     * when there is no registry.
     */
    public long clock() {
        return timed ? System.nanoTime() : 0;
    }

    /**
     * One handler call's time until now, on its stream's timer, tagged with its outcome; nothing (not even the
     * stream's lookup) without a registry.
     *
     * @param start   when the call began, from {@link #clock()}
     * @param failure the type of what the call threw (or of the timeout that failed it); null for a success
     */
    public void handlerTime(String stream, long start, Class<? extends Throwable> failure) {
        if (timed) {
            byStream.get(stream).handlerTime(System.nanoTime() - start, failure);
        }
    }

    /**
     * Counts entries on their streams' meters once per run of one stream's entries (a read or a handled batch
     * usually is one run): {@code count} gets the stream's meters and the run's length.
     */
    public void countByStream(List<StreamEntry> entries, ObjIntConsumer<StreamMeters> count) {
        if (only != null) { // every entry is of the one stream: not walked (a worker's successes are cold by now)
            if (!entries.isEmpty()) {
                count.accept(only, entries.size());
            }
            return;
        }
        int from = 0;
        for (int i = 1; i <= entries.size(); i++) {
            if (i == entries.size() || !entries.get(i).stream().equals(entries.get(from).stream())) {
                count.accept(stream(entries.get(from).stream()), i - from);
                from = i;
            }
        }
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
        private final Counter acksFailed;
        private final Counter deadLettersFailed;
        private final List<Meter> all = new ArrayList<>();
        private final MeterRegistry registry;
        private final Tags tags;
        /** Handler duration of failed calls, by what the handler threw (made when first seen). */
        private final Map<Class<?>, Timer> handlerFailures = new ConcurrentHashMap<>();
        // sampled from Redis on a timer; NaN until the first sample
        private volatile double lag = Double.NaN;
        private volatile double lagAgeMillis = Double.NaN;
        private volatile double pending = Double.NaN;
        private volatile double groupPending = Double.NaN;
        private volatile double pendingAgeMillis = Double.NaN;

        StreamMeters(MeterRegistry registry, Tags tags) {
            this.registry = registry;
            this.tags = tags;
            read = Counter.builder(READ).description("Entries read from the stream").tags(tags).register(registry);
            handled = Counter.builder(HANDLED).description("Entries whose handler returned normally").tags(tags).register(registry);
            failed = Counter.builder(FAILED).description("Deliveries whose last attempt failed").tags(tags).register(registry);
            acked = Counter.builder(ACKED).description("Entries acknowledged with XACK").tags(tags).register(registry);
            trimmed = Counter.builder(TRIMMED).description("Pending entries found deleted or trimmed; acked without a handler").tags(tags).register(registry);
            deduplicated = Counter.builder(DEDUPLICATED).description("Redelivered entries the checkpoint journal "
                    + "had as handled; acked without running the handler again").tags(tags).register(registry);
            handlerDuration = handlerTimer(registry, tags, "success", "none");
            claimed = Counter.builder(CLAIMED).description("Stale pending entries taken over with XAUTOCLAIM").tags(tags).register(registry);
            retried = Counter.builder(RETRIED).description("Handler calls repeated after a failure, in process").tags(tags).register(registry);
            deadLettered = Counter.builder(DEAD_LETTERED).description("Entries moved to the dead-letter stream and acked").tags(tags).register(registry);
            leasesRenewed = Counter.builder(LEASES_RENEWED).description("Idle-time resets of entries held here (XCLAIM JUSTID)").tags(tags).register(registry);
            leasesLost = Counter.builder(LEASES_LOST).description("Entries held here found claimed by another consumer").tags(tags).register(registry);
            consumersDeleted = Counter.builder(CONSUMERS_DELETED).description("Dead consumers of the group deleted by the janitor").tags(tags).register(registry);
            leasesDropped = Counter.builder(LEASES_DROPPED).description("Leases no longer renewed: entries held longer than reclaim.max-lease").tags(tags).register(registry);
            handlerTimeouts = Counter.builder(HANDLER_TIMEOUTS).description("Handler calls that ran past handler-timeout; their entries failed").tags(tags).register(registry);
            acksFailed = Counter.builder(ACKS_FAILED).description("Entries whose XACK Redis did not take; sent again").tags(tags).register(registry);
            deadLettersFailed = Counter.builder(DEAD_LETTERS_FAILED).description("Failure records and dead-letter "
                    + "moves Redis did not take; the entry stays pending").tags(tags).register(registry);
            all.addAll(List.of(read, handled, failed, acked, trimmed, deduplicated, handlerDuration, claimed, retried,
                    deadLettered, leasesRenewed, leasesLost, consumersDeleted, leasesDropped, handlerTimeouts, acksFailed,
                    deadLettersFailed));
            all.add(Gauge.builder(LAG, this, m -> m.lag).description("Entries not yet delivered to the group")
                    .tags(tags).register(registry));
            all.add(TimeGauge.builder(LAG_AGE, this, TimeUnit.MILLISECONDS, m -> m.lagAgeMillis)
                    .description("Age of the oldest entry not yet delivered to the group").tags(tags).register(registry));
            all.add(Gauge.builder(PENDING, this, m -> m.pending).description("Entries pending for this consumer")
                    .tags(tags).register(registry));
            all.add(Gauge.builder(GROUP_PENDING, this, m -> m.groupPending).description("Entries pending in the group")
                    .tags(tags).register(registry));
            all.add(TimeGauge.builder(PENDING_AGE, this, TimeUnit.MILLISECONDS, m -> m.pendingAgeMillis)
                    .description("Age of the oldest entry pending in the group").tags(tags).register(registry));
        }

        private static Timer handlerTimer(MeterRegistry registry, Tags tags, String result, String exception) {
            return Timer.builder(HANDLER_DURATION).description("Time spent in the handler per call")
                    .tags(tags.and(TAG_RESULT, result, TAG_EXCEPTION, exception)).register(registry);
        }

        /** One sample of the group's state in Redis (see {@link io.rill.metrics.SubscriptionMetrics#LAG}). */
        public void sampled(long lag, long lagAgeMillis, long pending, long groupPending, long pendingAgeMillis) {
            this.lag = lag;
            this.lagAgeMillis = lagAgeMillis;
            this.pending = pending;
            this.groupPending = groupPending;
            this.pendingAgeMillis = pendingAgeMillis;
        }

        public void ackFailed(int n) {
            acksFailed.increment(n);
        }

        public void deadLetterFailed(int n) {
            deadLettersFailed.increment(n);
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

        /** One handler call's time, tagged with its outcome (see {@link Meters#handlerTime}). */
        private void handlerTime(long nanos, Class<? extends Throwable> failure) {
            Timer timer = failure == null ? handlerDuration : handlerFailures.computeIfAbsent(failure,
                    type -> handlerTimer(registry, tags, "failure", type.getSimpleName().isEmpty() ? type.getName()
                            : type.getSimpleName()));
            timer.record(nanos, TimeUnit.NANOSECONDS);
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
