package io.rill.spring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import io.rill.spring.actuate.RillHealthIndicator;
import io.rill.testing.RedisServer;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Component;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The {@code rill} health contributor goes DOWN when Redis is gone past {@code rill.health.recovering-threshold}
 * (the subscription RECOVERING, semantics 10) and UP again once Redis is back and the subscription resumed by
 * itself.
 */
@SpringBootTest(classes = HealthTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "rill.health.recovering-threshold=1s",
        "rill.consumers.watched.block-timeout=200ms",
        "rill.consumers.watched.backoff.initial=50ms",
        "rill.consumers.watched.backoff.max=300ms"})
@DirtiesContext
class HealthTest {

    static final RedisServer server = RedisServer.startLocal(); // killed and restarted: must be a local process

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", server::uri);
    }

    @Component
    static class Watched {
        @RedisStreamListener(streams = "health:events", group = "watched", consumer = "c1")
        void on(String body) {
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(Watched.class)
    static class App {
        @Bean
        DisposableBean redisServer() {
            return server::close;
        }
    }

    @Autowired
    RillHealthIndicator indicator;
    @Autowired
    RillSubscriptions subscriptions;
    @Autowired
    HealthContributorRegistry registry;

    @SuppressWarnings("unchecked")
    private Map<String, Object> detail(Health health) {
        return (Map<String, Object>) health.getDetails().get("watched/c1/health:events");
    }

    @Test
    void downWhenRedisIsGoneLongerThanTheThresholdAndUpAgainAfterARestart() {
        await().atMost(Duration.ofSeconds(10)).until(() -> "RUNNING".equals(detail(indicator.health()).get("state")));
        assertEquals(Status.UP, indicator.health().getStatus());

        server.kill();
        await().atMost(Duration.ofSeconds(20)).until(() -> "RECOVERING".equals(detail(indicator.health()).get("state")));
        // the same state judged against a threshold not yet reached is still UP
        assertEquals(Status.UP, new RillHealthIndicator(subscriptions, Duration.ofHours(1)).health().getStatus());
        await().atMost(Duration.ofSeconds(20)).until(() -> indicator.health().getStatus().equals(Status.DOWN));
        Map<String, Object> down = detail(indicator.health());
        assertEquals("RECOVERING", down.get("state"));
        assertTrue(down.containsKey("lastError"), down.toString());

        server.restart();
        await().atMost(Duration.ofSeconds(30)).until(() -> indicator.health().getStatus().equals(Status.UP)
                && "RUNNING".equals(detail(indicator.health()).get("state")));
    }

    /** Boot's health registry has the contributor under the name {@code rill}. */
    @Test
    void theContributorIsRegisteredAsRill() {
        assertSame(indicator, registry.getContributor(RillHealthIndicator.NAME));
    }
}
