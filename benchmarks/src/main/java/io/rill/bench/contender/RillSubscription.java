package io.rill.bench.contender;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.HdrHistogram.Histogram;

import io.lettuce.core.RedisClient;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.bench.CostProbe;
import io.rill.SubscriptionOptions;
import io.rill.tracing.Tracing;

/**
 * Rill with an entry handler. Every variant starts from the same options (batch-size equal to the
 * COUNT of the other contenders, everything else Rill's default) and adds its own, so a variant
 * (journal on, concurrency 4, ...) is one more line in {@link Contenders#all}.
 */
public final class RillSubscription implements Contender {

    private final String name;
    private final String variant;
    private final int batch;
    private final UnaryOperator<SubscriptionOptions.Builder> customizer;
    private final Supplier<Tracing> tracing;

    /**
     * @param name       the name in tables and charts
     * @param variant    what the customizer changes, for the docs ("" for nothing)
     * @param batch      batch-size
     * @param customizer applied to the common options
     */
    public RillSubscription(String name, String variant, int batch, UnaryOperator<SubscriptionOptions.Builder> customizer) {
        this(name, variant, batch, customizer, Tracing::off);
    }

    /** @param tracing what {@code Rill.builder(client).tracing(...)} is given, made when the contender starts */
    public RillSubscription(String name, String variant, int batch, UnaryOperator<SubscriptionOptions.Builder> customizer,
            Supplier<Tracing> tracing) {
        this.name = name;
        this.variant = variant;
        this.batch = batch;
        this.customizer = customizer;
        this.tracing = tracing;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public String semantics() {
        return "at-least-once";
    }

    @Override
    public String setup() {
        return "Rill.subscribe, batch-size " + batch + ", other options default (concurrency 1, max-in-flight "
                + SubscriptionOptions.defaultMaxInFlight(batch, 1) + ", ack-flush-size "
                + SubscriptionOptions.defaultAckFlushSize(batch, SubscriptionOptions.defaultMaxInFlight(batch, 1))
                + ", ack-flush-interval " + SubscriptionOptions.DEFAULT_ACK_FLUSH_INTERVAL.toMillis() + " ms)"
                + (variant.isEmpty() ? "" : ", " + variant);
    }

    @Override
    public Consumption start(String uri, String stream, String group, EntrySink sink) {
        RedisClient client = RedisClient.create(uri);
        Rill rill = Rill.builder(client).tracing(tracing.get()).build();
        SubscriptionOptions options = customizer.apply(SubscriptionOptions.builder()
                .streams(stream).group(group).consumer("rill")
                .startPosition(StartPosition.EARLIEST)
                .batchSize(batch)).build();
        Subscription subscription = rill.subscribe(options, entry -> sink.accept(entry.fields()));
        // with -Dbench.diagnostics=true: how full the in-flight window was, sampled every 0.5 ms
        Histogram inFlight = new Histogram(3);
        Thread sampler = Boolean.getBoolean(CostProbe.DIAGNOSTICS) ? Thread.ofPlatform().name("harness-in-flight").daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                inFlight.recordValue(subscription.inFlight());
                LockSupport.parkNanos(500_000);
            }
        }) : null;
        return new Consumption() {
            @Override
            public void close() {
                if (sampler != null) {
                    sampler.interrupt();
                }
                subscription.close(Duration.ofSeconds(10));
                rill.close();
                client.shutdown();
                if (subscription.lastError().isPresent()) {
                    throw new IllegalStateException(name + " failed", subscription.lastError().get());
                }
            }

            @Override
            public String diagnostics() {
                if (sampler == null || inFlight.getTotalCount() == 0) {
                    return "";
                }
                long full = inFlight.getCountBetweenValues(options.maxInFlight(), Long.MAX_VALUE / 2);
                return String.format(Locale.ROOT, "in flight (max %d): p50 %d, p99 %d, max %d; window full in %.1f%% of samples",
                        options.maxInFlight(), inFlight.getValueAtPercentile(50), inFlight.getValueAtPercentile(99),
                        inFlight.getMaxValue(), 100.0 * full / inFlight.getTotalCount());
            }
        };
    }

}
