package io.rill.micronaut;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.micronaut.context.annotation.Requires;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.Backoff;
import io.rill.DeadLetterOptions;
import io.rill.StartPosition;
import io.rill.SubscriptionOptions;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import jakarta.inject.Inject;

/**
 * Issue 5, test 3: annotation over rill.consumers.&lt;group&gt; over rill.consumers.default over the core
 * defaults, shown on the effective options of the running subscriptions.
 */
@MicronautTest
class ConfigPrecedenceTest extends RedisTest {

    static final String SPEC = "ConfigPrecedenceTest";

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "billing", consumer = "${billing.instance}")
    static class Billing {
        @Stream(value = "cfg:orders", concurrency = "${billing.workers}", orderingKey = "customer", maxFailures = "4")
        void onOrder(String body) {
        }
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "shipping")
    static class Shipping {
        @Stream(value = {"cfg:orders", "cfg:returns"}, startFrom = "latest")
        void onOrder(String body) {
        }
    }

    @Inject
    RillSubscriptions subscriptions;

    @Override
    String spec() {
        return SPEC;
    }

    @Override
    Map<String, String> properties() {
        return Map.ofEntries(
                Map.entry("billing.workers", "4"),
                Map.entry("billing.instance", "billing-7"),
                // default: everything below is overridden somewhere, except ack-flush-size and backoff.initial
                Map.entry("rill.consumers.default.batch-size", "50"),
                Map.entry("rill.consumers.default.concurrency", "2"),
                Map.entry("rill.consumers.default.max-in-flight", "500"),
                Map.entry("rill.consumers.default.ack-flush-size", "10"),
                Map.entry("rill.consumers.default.backoff.initial", "50ms"),
                Map.entry("rill.consumers.default.consumer", "default-consumer"),
                Map.entry("rill.consumers.default.dead-letter.max-failures", "30"),
                // group: overrides default
                Map.entry("rill.consumers.billing.batch-size", "20"),
                Map.entry("rill.consumers.billing.max-in-flight", "300"),
                Map.entry("rill.consumers.billing.consumer", "billing-consumer"),
                Map.entry("rill.consumers.billing.backoff.max", "2s"),
                Map.entry("rill.consumers.billing.shutdown-timeout", "5s"),
                Map.entry("rill.consumers.billing.dead-letter.failure-ttl", "2d"));
    }

    private SubscriptionOptions options(String listener) {
        return subscriptions.list().stream().filter(s -> s.listener().endsWith(listener)).findFirst().orElseThrow().options();
    }

    @Test
    void annotationOverGroupOverDefaultOverCore() {
        SubscriptionOptions billing = options("Billing#onOrder");
        assertEquals(20, billing.batchSize(), "group over default");
        assertEquals(300, billing.maxInFlight(), "group over default");
        assertEquals(4, billing.concurrency(), "annotation (a placeholder) over default");
        assertEquals("billing-7", billing.consumer(), "annotation over group over default");
        assertEquals("customer", billing.orderingKey(), "annotation only");
        assertEquals(10, billing.ackFlushSize(), "default only");
        assertEquals(Duration.ofSeconds(5), billing.shutdownTimeout(), "group only");
        assertEquals(StartPosition.EARLIEST, billing.startPosition(), "default (set by the test base class)");
        assertEquals(SubscriptionOptions.DEFAULT_ACK_FLUSH_INTERVAL, billing.ackFlushInterval(), "core default");
        assertEquals(new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2), Backoff.DEFAULT.multiplier(),
                Backoff.DEFAULT.jitter()), billing.backoff(), "parts from default and group over the core's");
        assertEquals(4, billing.deadLetter().maxFailures(), "annotation over default");
        assertEquals(DeadLetterOptions.DEFAULT_MAX_DELIVERIES, billing.deadLetter().maxDeliveries(), "core default");
        assertEquals(Duration.ofDays(2), billing.deadLetter().failureTtl(), "group only");

        SubscriptionOptions shipping = options("Shipping#onOrder");
        assertEquals(50, shipping.batchSize(), "no group entry: default");
        assertEquals(2, shipping.concurrency());
        assertEquals("default-consumer", shipping.consumer());
        assertEquals(StartPosition.LATEST, shipping.startPosition(), "annotation over default");
        assertEquals(List.of("cfg:orders", "cfg:returns"), shipping.streams());
        assertEquals(SubscriptionOptions.DEFAULT_SHUTDOWN_TIMEOUT, shipping.shutdownTimeout(), "core default");
        assertEquals(Backoff.DEFAULT.max(), shipping.backoff().max());
        assertEquals(30, shipping.deadLetter().maxFailures(), "default");
        assertEquals(30, shipping.deadLetter().maxDeliveries(), "unset: the core's default follows a higher max-failures");
        assertEquals(DeadLetterOptions.DEFAULT_FAILURE_TTL, shipping.deadLetter().failureTtl(), "core default");
    }

    @Test
    void theRunningSubscriptionsUseTheEffectiveOptions() {
        List<SubscriptionInfo> all = subscriptions.list();
        assertEquals(2, all.size(), "the loop below checks every listener method: " + all);
        for (SubscriptionInfo info : all) {
            assertEquals(info.options(), subscriptions.subscription(info.id()).orElseThrow().options());
            assertEquals(RillSubscriptions.idOf(info.options()), subscriptions.subscription(info.id()).orElseThrow().id());
        }
    }
}
