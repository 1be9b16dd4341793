package io.rill.bench.contender;

import java.time.Duration;
import java.util.function.UnaryOperator;

import io.lettuce.core.RedisClient;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;

/**
 * Rill with an entry handler. Every variant starts from the same options (batch-size and
 * ack-flush-size equal to the plain loop's COUNT, everything else default) and adds its own, so a
 * variant (journal on, concurrency 4, ...) is one more line in {@link Contenders#all}.
 */
public final class RillSubscription implements Contender {

    private final String name;
    private final String variant;
    private final int batch;
    private final UnaryOperator<SubscriptionOptions.Builder> customizer;

    /**
     * @param name       the name in tables and charts
     * @param variant    what the customizer changes, for the docs ("" for nothing)
     * @param batch      batch-size and ack-flush-size
     * @param customizer applied to the common options
     */
    public RillSubscription(String name, String variant, int batch, UnaryOperator<SubscriptionOptions.Builder> customizer) {
        this.name = name;
        this.variant = variant;
        this.batch = batch;
        this.customizer = customizer;
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
        return "Rill.subscribe, batch-size " + batch + ", ack-flush-size " + batch
                + ", other options default (concurrency 1, max-in-flight 1000, ack-flush-interval 50 ms, block-timeout 2 s)"
                + (variant.isEmpty() ? "" : ", " + variant);
    }

    @Override
    public Consumption start(String uri, String stream, String group, EntrySink sink) {
        RedisClient client = RedisClient.create(uri);
        Rill rill = Rill.create(client);
        SubscriptionOptions options = customizer.apply(SubscriptionOptions.builder()
                .streams(stream).group(group).consumer("rill")
                .startPosition(StartPosition.EARLIEST)
                .batchSize(batch).ackFlushSize(batch)).build();
        Subscription subscription = rill.subscribe(options, entry -> sink.accept(entry.fields()));
        return () -> {
            subscription.close(Duration.ofSeconds(10));
            rill.close();
            client.shutdown();
            if (subscription.lastError().isPresent()) {
                throw new IllegalStateException(name + " failed", subscription.lastError().get());
            }
        };
    }
}
