package io.rill.spring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.rill.spring.actuate.RillEndpoint;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Component;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The {@code rill} actuator endpoint lists the subscriptions with pending entries, lag and dead letters, pauses
 * and resumes a subscription, and redrives the dead letters of the application's own subscriptions.
 */
@SpringBootTest(classes = EndpointTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "management.endpoints.web.exposure.include=health,rill",
        "management.endpoints.jmx.exposure.include=rill",
        "spring.jmx.enabled=true",
        "rill.consumers.ep.block-timeout=200ms",
        "rill.consumers.ep.retry.max-attempts=1",
        "rill.consumers.ep.dead-letter.max-failures=1"})
@DirtiesContext
class EndpointTest {

    static final RedisServer server = RedisServer.start();
    static final String ID = "ep/c1/ep:orders";

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", server::uri);
    }

    @Component
    static class Orders {
        final Set<String> handled = ConcurrentHashMap.newKeySet();
        volatile boolean poisonous = true;

        @RedisStreamListener(streams = "ep:orders", group = "ep", consumer = "c1")
        void on(@Field("n") String n) {
            if (n.startsWith("poison") && poisonous) {
                throw new IllegalArgumentException("poison");
            }
            handled.add(n);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(Orders.class)
    static class App {
        @Bean
        DisposableBean redisServer() {
            return server::close;
        }
    }

    @Autowired
    RillEndpoint endpoint;
    @Autowired
    Orders orders;

    private final RedisFixture redis = new RedisFixture(server);

    @AfterEach
    void close() {
        redis.close();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> subscription() {
        List<Map<String, Object>> all = (List<Map<String, Object>>) endpoint.overview().get("subscriptions");
        return all.stream().filter(s -> ID.equals(s.get("id"))).findFirst().orElseThrow();
    }

    @Test
    void listsSubscriptionsWithPendingLagAndDeadLetterStreams() {
        await().atMost(Duration.ofSeconds(10)).until(() -> "RUNNING".equals(subscription().get("state")));
        redis.add("ep:orders", "n", "1");
        await().atMost(Duration.ofSeconds(10)).until(() -> orders.handled.contains("1") && redis.allAcked("ep:orders", "ep"));
        Map<String, Object> s = subscription();
        assertEquals(Orders.class.getName() + "#on", s.get("listener"));
        assertEquals("c1", s.get("consumer"));
        assertEquals(0L, s.get("pending"));
        assertEquals(0L, s.get("lag"));
        assertEquals(List.of("ep:orders:dlq"), s.get("deadLetterStreams"));
    }

    @Test
    void pausesAndResumesASubscription() {
        await().atMost(Duration.ofSeconds(10)).until(() -> "RUNNING".equals(subscription().get("state")));
        WebEndpointResponse<Map<String, Object>> paused = endpoint.operate("pause", ID, null, null, null, null);
        assertEquals(200, paused.getStatus());
        assertEquals(true, paused.getBody().get("paused"));
        redis.add("ep:orders", "n", "while-paused");
        // nothing reads it: the group's lag shows the entry waiting
        await().atMost(Duration.ofSeconds(10)).until(() -> Long.valueOf(1).equals(subscription().get("lag")));
        assertFalse(orders.handled.contains("while-paused"));

        WebEndpointResponse<Map<String, Object>> resumed = endpoint.operate("resume", ID, null, null, null, null);
        assertEquals(false, resumed.getBody().get("paused"));
        await().atMost(Duration.ofSeconds(10)).until(() -> orders.handled.contains("while-paused")
                && redis.allAcked("ep:orders", "ep"));
    }

    @Test
    void redrivesTheDeadLettersOfItsSubscriptions() {
        orders.poisonous = true;
        redis.add("ep:orders", "n", "poison-1");
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.entries("ep:orders:dlq").size() == 1);
        orders.poisonous = false;
        WebEndpointResponse<Map<String, Object>> redriven = endpoint.operate("redrive", null, "ep:orders:dlq", null, null, null);
        assertEquals(1L, redriven.getBody().get("redriven"));
        await().atMost(Duration.ofSeconds(10)).until(() -> orders.handled.contains("poison-1")
                && redis.entries("ep:orders:dlq").isEmpty() && redis.allAcked("ep:orders", "ep"));
    }

    @Test
    void refusesUnknownSubscriptionsAndOperations() {
        assertEquals(404, endpoint.operate("pause", "nope/c1/x", null, null, null, null).getStatus());
        assertEquals(400, endpoint.operate("pause", null, null, null, null, null).getStatus());
        assertEquals(400, endpoint.operate("explode", ID, null, null, null, null).getStatus());
        assertEquals(404, endpoint.operate("redrive", null, "other:dlq", null, null, null).getStatus());
    }
}
