package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Requires;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.endpoint.health.HealthEndpoint;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.messaging.annotation.MessageHeader;
import io.rill.SubscriptionState;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.micronaut.health.RillHealthIndicator;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import reactor.core.publisher.Mono;

/**
 * Issue 12, item 9: by default the application starts while Redis is down, as Kafka clients do: its
 * subscriptions are RECOVERING and health is DOWN, and once Redis is up the entries are consumed and health
 * is UP. With {@code rill.fail-fast=true} startup fails instead, naming the property and the URI.
 */
class StartupWithoutRedisTest {

    static final String SPEC = "StartupWithoutRedisTest";
    static final String ID = "offline/c1/offline:orders";

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "offline", consumer = "c1")
    static class Orders {
        final Set<String> handled = ConcurrentHashMap.newKeySet();

        @Stream(value = "offline:orders", startFrom = "earliest")
        void on(@MessageHeader("n") String n) {
            handled.add(n);
        }
    }

    private static Map<String, Object> properties(RedisServer server) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("spec.name", SPEC);
        properties.put("redis.uri", server.uri());
        properties.put("rill.health.recovering-threshold", "1s");
        properties.put("endpoints.health.details-visible", "ANONYMOUS");
        properties.put("rill.consumers.offline.block-timeout", "200ms");
        properties.put("rill.consumers.offline.backoff.initial", "50ms");
        properties.put("rill.consumers.offline.backoff.max", "300ms");
        return properties;
    }

    @Test
    void startsWhileRedisIsDownAndConsumesOnceItIsUp() {
        try (RedisServer server = RedisServer.startLocal()) { // killed and restarted: a local process
            server.kill();
            try (ApplicationContext context = ApplicationContext.run(properties(server))) {
                RillSubscriptions subscriptions = context.getBean(RillSubscriptions.class);
                await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions.get(ID).orElseThrow().state()
                        .equals(java.util.Optional.of(SubscriptionState.RECOVERING)));
                RillHealthIndicator indicator = context.getBean(RillHealthIndicator.class);
                await().atMost(Duration.ofSeconds(10)).until(() -> indicator.result().getStatus() == HealthStatus.DOWN);
                HealthResult health = Mono.from(context.getBean(HealthEndpoint.class).getHealth(null)).block();
                assertEquals(HealthStatus.DOWN, health.getStatus());
                String lastError = String.valueOf(subscriptions.get(ID).orElseThrow().lastError().orElseThrow());
                assertTrue(lastError.contains("Unable to connect") || lastError.contains("Connection refused"), lastError);

                server.restart();
                try (RedisFixture redis = new RedisFixture(server)) {
                    redis.add("offline:orders", "n", "1");
                    redis.add("offline:orders", "n", "2");
                    Orders orders = context.getBean(Orders.class);
                    await().atMost(Duration.ofSeconds(30)).until(() -> orders.handled.equals(Set.of("1", "2"))
                            && redis.allAcked("offline:orders", "offline"));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> indicator.result().getStatus() == HealthStatus.UP);
                assertEquals(java.util.Optional.of(SubscriptionState.RUNNING), subscriptions.get(ID).orElseThrow().state());
            }
        }
    }

    @Test
    void failFastKeepsTheStartupCheck() {
        try (RedisServer server = RedisServer.startLocal()) {
            server.kill();
            Map<String, Object> properties = properties(server);
            properties.put("rill.fail-fast", "true");
            RuntimeException e = assertThrows(RuntimeException.class, () -> ApplicationContext.run(properties).close());
            StringBuilder messages = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append(" | ");
            }
            for (String part : new String[] { Orders.class.getName(), "cannot start", "the primary Redis (redis.uri) at "
                    + server.uri() + " does not answer: check redis.uri" }) {
                assertTrue(messages.toString().contains(part), "missing '" + part + "' in: " + messages);
            }
        }
    }
}
