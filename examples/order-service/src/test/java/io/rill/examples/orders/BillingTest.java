package io.rill.examples.orders;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import io.rill.examples.contract.BillingContract;
import io.rill.testing.RedisServer;
import jakarta.inject.Inject;

/**
 * The service as configured in application.yml, against a real Redis, with a quicker reclaim: the billing
 * contract ({@link BillingContract}, which the Spring example passes too), and Micronaut's /health,
 * /prometheus and /rill over HTTP.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BillingTest extends BillingContract implements TestPropertyProvider {

    final RedisServer server = RedisServer.start();
    final HttpClient client = HttpClient.newHttpClient();

    @Inject
    EmbeddedServer embedded;
    @Inject
    JsonMapper jsonMapper;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> properties = new HashMap<>(PROPERTIES);
        properties.put("redis.uri", server.uri());
        properties.put("micronaut.server.port", "-1");
        return properties;
    }

    @Override
    protected String redisUri() {
        return server.uri();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void healthPrometheusAndTheRillEndpointAreServedByTheStockModules() throws Exception {
        String id = "billing/billing-test/orders";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> health = get("/health");
            assertEquals(200, health.statusCode(), health.body());
            // micronaut-management's aggregate, with rill-micronaut's indicator beside redis, diskSpace, ...
            Map<String, Object> body = json(health.body());
            assertEquals("UP", body.get("status"), health.body());
            Map<String, Object> indicator = map(map(body.get("details")).get("rill"));
            assertEquals("UP", indicator.get("status"), health.body());
            Map<String, Object> subscription = map(map(indicator.get("details")).get(id));
            assertEquals("io.rill.examples.orders.Billing#onOrder", subscription.get("listener"));
            assertEquals("RUNNING", subscription.get("state"));
        });

        streams().order("orderId", "o-prometheus", "customer", "c-9", "amount", "1.00");
        await().atMost(Duration.ofSeconds(10)).until(() -> streams().invoicesFor("o-prometheus").size() == 1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> prometheus = get("/prometheus");
            assertEquals(200, prometheus.statusCode());
            assertTrue(prometheus.body().contains("rill_entries_acked_total{consumer=\"billing-test\",group=\"billing\",stream=\"orders\"}"),
                    prometheus.body());
            assertTrue(prometheus.body().contains("jvm_memory_used_bytes"), "micronaut-micrometer's own binders too");
            // the group's gauges, sampled from Redis: nothing behind once the order is handled
            assertTrue(prometheus.body().contains("rill_lag{consumer=\"billing-test\",group=\"billing\",stream=\"orders\"} 0.0"),
                    prometheus.body());
        });
        // every meter the docs' dashboard and alert rules use is served
        String scraped = get("/prometheus").body();
        for (String file : List.of("grafana-dashboard.json", "alerts.yml")) {
            String text = Files.readString(Path.of("../../docs/observability", file));
            Matcher names = Pattern.compile("rill_[a-z_]+").matcher(text);
            int used = 0;
            while (names.find()) {
                used++;
                assertTrue(scraped.contains(names.group() + "{"), file + " uses " + names.group() + ", which /prometheus does not serve");
            }
            assertTrue(used >= 3, file + " uses Rill's meters");
        }

        HttpResponse<String> rill = get("/rill");
        assertEquals(200, rill.statusCode(), rill.body());
        Map<String, Object> overview = json(rill.body());
        Map<String, Object> listed = map(list(overview.get("subscriptions")).getFirst());
        assertEquals(id, listed.get("id"), rill.body());
        assertEquals("RUNNING", listed.get("state"), rill.body());
        assertEquals(List.of("orders:dlq"), listed.get("deadLetterStreams"), rill.body());
        assertEquals("orders:dlq", map(list(overview.get("deadLetters")).getFirst()).get("stream"), rill.body());

        HttpResponse<String> paused = post("/rill/pause", "{\"id\":\"" + id + "\"}");
        assertEquals(200, paused.statusCode(), paused.body());
        assertEquals(true, json(paused.body()).get("paused"), paused.body());
        streams().order("orderId", "o-paused", "customer", "c-9", "amount", "2.00");
        // not read while paused: the group's lag counts it
        await().atMost(Duration.ofSeconds(10)).until(() -> Integer.valueOf(1).equals(
                map(list(json(get("/rill").body()).get("subscriptions")).getFirst()).get("lag")));
        assertTrue(streams().invoicesFor("o-paused").isEmpty());

        HttpResponse<String> resumed = post("/rill/resume", "{\"id\":\"" + id + "\"}");
        assertEquals(200, resumed.statusCode(), resumed.body());
        assertEquals(false, json(resumed.body()).get("paused"), resumed.body());
        await().atMost(Duration.ofSeconds(10)).until(() -> streams().invoicesFor("o-paused").size() == 1);

        // seek binds id and position from the body; it wants the subscription paused (409), a real position (400)
        HttpResponse<String> seekWhileReading = post("/rill/seek", "{\"id\":\"" + id + "\",\"position\":\"earliest\"}");
        assertEquals(409, seekWhileReading.statusCode(), seekWhileReading.body());
        assertTrue(seekWhileReading.body().contains("pause"), seekWhileReading.body());
        HttpResponse<String> badPosition = post("/rill/seek", "{\"id\":\"" + id + "\",\"position\":\"yesterday\"}");
        assertEquals(400, badPosition.statusCode(), badPosition.body());

        HttpResponse<String> unknown = post("/rill/pause", "{\"id\":\"billing/nobody/orders\"}");
        assertEquals(404, unknown.statusCode(), unknown.body());
    }

    private Map<String, Object> json(String body) throws Exception {
        return map(jsonMapper.readValue(body, Argument.of(Map.class)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private static List<?> list(Object value) {
        return (List<?>) value;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(embedded.getURL() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(embedded.getURL() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
