package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.micronaut.context.annotation.Requires;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.endpoint.health.HealthEndpoint;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.micronaut.health.HealthConfiguration;
import io.rill.micronaut.health.RillHealthIndicator;
import io.rill.testing.RedisServer;
import jakarta.inject.Inject;
import reactor.core.publisher.Mono;

/** Issue 5, test 7: health goes DOWN when Redis is killed past the threshold, and UP again after a restart. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthTest implements TestPropertyProvider {

    static final String SPEC = "HealthTest";

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "watched", consumer = "c1")
    static class Watched {
        @Stream("health:events")
        void on(String body) {
        }
    }

    private final RedisServer server = RedisServer.startLocal(); // killed and restarted: must be a local process

    @Inject
    RillHealthIndicator indicator;
    @Inject
    RillSubscriptions subscriptions;

    @Override
    public Map<String, String> getProperties() {
        return Map.of("spec.name", SPEC,
                "redis.uri", server.uri(),
                "rill.health.recovering-threshold", "1s",
                "endpoints.health.details-visible", "ANONYMOUS", // the endpoint lists its indicators without a login
                "rill.consumers.watched.block-timeout", "200ms",
                "rill.consumers.watched.backoff.initial", "50ms",
                "rill.consumers.watched.backoff.max", "300ms");
    }

    @AfterAll
    void stopRedis() {
        server.close();
    }

    private HealthResult health() {
        return Mono.from(indicator.getResult()).block();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> detail(HealthResult result) {
        return (Map<String, Object>) ((Map<String, Object>) result.getDetails()).get("watched/c1/health:events");
    }

    @Test
    void downWhenRedisIsGoneLongerThanTheThresholdAndUpAgainAfterARestart() {
        await().atMost(Duration.ofSeconds(10)).until(() -> "RUNNING".equals(detail(health()).get("state")));
        assertEquals(HealthStatus.UP, health().getStatus());
        assertEquals(RillHealthIndicator.NAME, health().getName());

        server.kill();
        await().atMost(Duration.ofSeconds(20)).until(() -> "RECOVERING".equals(detail(health()).get("state")));
        // the same state judged against a threshold not yet reached is still UP
        HealthConfiguration patient = new HealthConfiguration();
        patient.setRecoveringThreshold(Duration.ofHours(1));
        assertEquals(HealthStatus.UP, new RillHealthIndicator(subscriptions, patient).result().getStatus());
        await().atMost(Duration.ofSeconds(20)).until(() -> health().getStatus() == HealthStatus.DOWN);
        Map<String, Object> down = detail(health());
        assertEquals("RECOVERING", down.get("state"));
        assertTrue(String.valueOf(down.get("lastError")).contains("Redis"), String.valueOf(down.get("lastError")));

        server.restart();
        await().atMost(Duration.ofSeconds(30)).until(() -> health().getStatus() == HealthStatus.UP
                && "RUNNING".equals(detail(health()).get("state")));
    }

    /** Micronaut's health endpoint finds the indicator and reports it under its name. */
    @Test
    void theIndicatorIsReportedByMicronautsHealthEndpoint(HealthEndpoint endpoint) {
        Map<?, ?> indicators = (Map<?, ?>) Mono.from(endpoint.getHealth(null)).block().getDetails();
        HealthResult rill = assertInstanceOf(HealthResult.class, indicators.get(RillHealthIndicator.NAME),
                "indicators reported: " + indicators.keySet());
        assertNotNull(detail(rill), "the subscription is missing from " + rill.getDetails());
    }
}
