package io.rill.spring;

import static io.rill.spring.Contexts.assertMentions;
import static io.rill.spring.Contexts.failure;
import static io.rill.spring.Contexts.runner;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.rill.StartPosition;
import io.rill.SubscriptionOptions;
import io.rill.testing.RedisServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Options come from the annotation over {@code rill.consumers.<group>.*} over {@code rill.consumers.default.*}
 * over the core's defaults; a value that does not convert, or that the core rejects, fails startup naming the
 * property.
 */
class ConfigPrecedenceTest {

    static final RedisServer server = RedisServer.start();

    static class Listeners {
        @RedisStreamListener(streams = "prec:orders", group = "billing", concurrency = "3")
        void onOrder(String body) {
        }

        @RedisStreamListener(streams = "prec:orders", group = "shipping")
        void onShipping(String body) {
        }

        @RedisStreamListener(streams = "prec:orders", group = "orderService")
        void onService(String body) {
        }
    }

    @AfterAll
    static void stopRedis() {
        server.close();
    }

    @Test
    void groupOverDefaultOverCoreDefaultAndTheAnnotationOverAll() {
        runner(server.uri()).withUserConfiguration(Listeners.class).withPropertyValues(
                "rill.consumers.default.batch-size=50",
                "rill.consumers.default.block-timeout=300ms",
                "rill.consumers.default.retry.max-attempts=4",
                "rill.consumers.default.start-position=earliest",
                "rill.consumers.billing.batch-size=20",
                "rill.consumers.billing.concurrency=8",
                "rill.consumers.billing.consumer=billing-1",
                "rill.consumers.billing.retry.non-retryable=java.lang.IllegalArgumentException",
                "rill.consumers.order-service.batch-size=7").run(context -> {
            Map<String, SubscriptionOptions> byGroup = context.getBean(RillSubscriptions.class).list().stream()
                    .collect(Collectors.toMap(s -> s.options().group(), SubscriptionInfo::options));
            SubscriptionOptions billing = byGroup.get("billing");
            assertEquals(20, billing.batchSize(), "group over default");
            assertEquals(Duration.ofMillis(300), billing.blockTimeout(), "default where the group is silent");
            assertEquals(4, billing.retry().maxAttempts());
            assertEquals(3, billing.concurrency(), "the annotation over the group");
            assertEquals("billing-1", billing.consumer());
            assertEquals(StartPosition.EARLIEST, billing.startPosition());
            assertEquals(true, billing.retry().nonRetryable().contains(IllegalArgumentException.class));
            assertEquals(SubscriptionOptions.defaultAckFlushSize(20, billing.maxInFlight()), billing.ackFlushSize(),
                    "the core's default where nothing is set");
            assertEquals(50, byGroup.get("shipping").batchSize(), "default for a group without its own entry");
            assertEquals(7, byGroup.get("orderService").batchSize(), "a camel-case group is configured in kebab case");
        });
    }

    @Test
    void aValueThatDoesNotConvertFailsStartupNamingTheProperty() {
        String message = failure(runner(server.uri()).withUserConfiguration(Listeners.class)
                .withPropertyValues("rill.consumers.billing.block-timeout=soon"));
        assertMentions(message, "rill.consumers.billing.block-timeout", "soon", "a duration");
    }

    @Test
    void aValueTheCoreRejectsFailsStartupNamingTheProperty() {
        String message = failure(runner(server.uri()).withUserConfiguration(Listeners.class)
                .withPropertyValues("rill.consumers.default.batch-size=0"));
        assertMentions(message, "rill.consumers.default.batch-size must be between 1 and", "@RedisStreamListener "
                + Listeners.class.getName() + "#");
    }

    @Test
    void aGroupValueTheCoreRejectsFailsStartupNamingTheProperty() {
        String message = failure(runner(server.uri()).withUserConfiguration(Listeners.class)
                .withPropertyValues("rill.consumers.shipping.concurrency=-2"));
        assertMentions(message, "rill.consumers.shipping.concurrency", "#onShipping");
    }

    @Test
    void aPropertyThatIsNoOptionFailsStartupNamingIt() {
        String message = failure(runner(server.uri()).withUserConfiguration(Listeners.class)
                .withPropertyValues("rill.consumers.billing.batchsize-max=5"));
        assertMentions(message, "rill.consumers.billing.batchsize-max is not an option", "batch-size");
    }

    @Test
    void optionsAreFoundUnderTheirRelaxedNames() {
        runner(server.uri()).withUserConfiguration(Listeners.class).withPropertyValues(
                "rill.consumers.billing.batchSize=30", "rill.consumers.billing.retry.backoff.max=3s",
                "rill.consumers.billing.retry.retryable[0]=java.lang.IllegalStateException").run(context -> {
            SubscriptionOptions billing = context.getBean(RillSubscriptions.class).list().stream()
                    .filter(s -> s.options().group().equals("billing")).findFirst().orElseThrow().options();
            assertEquals(30, billing.batchSize());
            assertEquals(Duration.ofSeconds(3), billing.retry().backoff().max());
            assertEquals(List.of(IllegalStateException.class), billing.retry().retryable());
        });
    }

    static class BadAttribute {
        @RedisStreamListener(streams = "prec:orders", group = "billing", concurrency = "${workers:many}")
        void onOrder(String body) {
        }
    }

    @Test
    void anAnnotationValueThatDoesNotConvertFailsStartupNamingTheAttribute() {
        String message = failure(runner(server.uri()).withUserConfiguration(BadAttribute.class));
        assertMentions(message, "@RedisStreamListener(concurrency)", "many", "a whole number", "#onOrder");
    }
}
