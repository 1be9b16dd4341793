package io.rill.examples.orders;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.rill.examples.contract.BillingContract;
import io.rill.testing.RedisServer;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.json.JsonMapper;

/**
 * The Spring service as configured in application.yml, against a real Redis, with a quicker reclaim: the same
 * billing contract as the Micronaut order-service ({@link BillingContract}), and Boot's actuator serving the
 * {@code rill} health contributor, Rill's meters and the {@code rill} endpoint over HTTP.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext // closed after the class, while its Redis still runs: the drain does not wait for a Redis gone
class BillingTest extends BillingContract {

    static final RedisServer server = RedisServer.start();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", server::uri);
        PROPERTIES.forEach((name, value) -> registry.add(name, () -> value));
    }

    @TestConfiguration
    static class StopRedis {
        /** Destroyed after the subscriptions stopped (a lifecycle stop comes before any bean is destroyed). */
        @Bean
        DisposableBean redisServer() {
            return server::close;
        }
    }

    @LocalServerPort
    int port;

    private final HttpClient client = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    @Override
    protected String redisUri() {
        return server.uri();
    }

    @Test
    void healthPrometheusAndTheRillEndpointAreServedByTheActuator() throws Exception {
        String id = "billing/billing-test/orders";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> health = get("/actuator/health");
            assertEquals(200, health.statusCode(), health.body());
            Map<String, Object> body = json(health.body());
            assertEquals("UP", body.get("status"), health.body());
            Map<String, Object> rill = map(map(body.get("components")).get("rill"));
            assertEquals("UP", rill.get("status"), health.body());
            Map<String, Object> subscription = map(map(rill.get("details")).get(id));
            assertEquals("io.rill.examples.orders.Billing#onOrder", subscription.get("listener"));
            assertEquals("RUNNING", subscription.get("state"));
        });

        streams().order("orderId", "o-prometheus", "customer", "c-9", "amount", "1.00");
        await().atMost(Duration.ofSeconds(10)).until(() -> streams().invoicesFor("o-prometheus").size() == 1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> prometheus = get("/actuator/prometheus");
            assertEquals(200, prometheus.statusCode());
            assertTrue(prometheus.body().contains("rill_entries_acked_total{consumer=\"billing-test\",group=\"billing\",stream=\"orders\"}"),
                    prometheus.body());
        });

        Map<String, Object> overview = json(get("/actuator/rill").body());
        Map<String, Object> listed = map(((List<?>) overview.get("subscriptions")).getFirst());
        assertEquals(id, listed.get("id"));
        assertEquals(List.of("orders:dlq"), listed.get("deadLetterStreams"));

        HttpResponse<String> paused = post("/actuator/rill/pause", "{\"id\":\"" + id + "\"}");
        assertEquals(200, paused.statusCode(), paused.body());
        assertEquals(true, json(paused.body()).get("paused"), paused.body());
        streams().order("orderId", "o-paused", "customer", "c-9", "amount", "2.00");
        // not read while paused: the group's lag counts it
        await().atMost(Duration.ofSeconds(10)).until(() -> Integer.valueOf(1).equals(
                map(((List<?>) json(get("/actuator/rill").body()).get("subscriptions")).getFirst()).get("lag")));
        assertTrue(streams().invoicesFor("o-paused").isEmpty());

        HttpResponse<String> resumed = post("/actuator/rill/resume", "{\"id\":\"" + id + "\"}");
        assertEquals(200, resumed.statusCode(), resumed.body());
        await().atMost(Duration.ofSeconds(10)).until(() -> streams().invoicesFor("o-paused").size() == 1);

        HttpResponse<String> unknown = post("/actuator/rill/pause", "{\"id\":\"billing/nobody/orders\"}");
        assertEquals(404, unknown.statusCode(), unknown.body());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> json(String body) {
        return json.readValue(body, Map.class);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
