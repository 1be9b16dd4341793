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
import java.util.ArrayList;
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
import io.rill.testing.RedisServer;
import jakarta.inject.Inject;

/** The service as configured in application.yml, against a real Redis, with a quicker reclaim. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BillingTest implements TestPropertyProvider {

    final RedisServer server = RedisServer.start();
    final OrderStreams streams = new OrderStreams(server.uri());
    final HttpClient client = HttpClient.newHttpClient();

    @Inject
    EmbeddedServer embedded;
    @Inject
    JsonMapper jsonMapper;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> properties = new HashMap<>();
        properties.put("redis.uri", server.uri());
        properties.put("micronaut.server.port", "-1");
        properties.put("rill.consumers.billing.consumer", "billing-test");
        properties.put("rill.consumers.billing.start-position", "earliest");
        properties.put("rill.consumers.billing.block-timeout", "200ms");
        // failed orders come back within a second instead of application.yml's 5 s
        properties.put("rill.consumers.billing.reclaim.min-idle", "600ms");
        properties.put("rill.consumers.billing.reclaim.interval", "100ms");
        return properties;
    }

    @AfterAll
    void stop() {
        streams.close();
        server.close();
    }

    @Test
    void aValidOrderBecomesOneInvoiceWithExactlyTheseFields() {
        streams.order("orderId", "o-1", "customer", "c-7", "amount", "12.50");
        streams.order("orderId", "o-2", "customer", "c-8", "amount", "0.99");

        await().atMost(Duration.ofSeconds(20)).until(() -> invoicesFor("o-1", "o-2").size() == 2);
        // different customers are billed in parallel (ordering-key customer), so either may come first
        Map<String, String> first = invoicesFor("o-1").getFirst();
        // the exact fields, in this order: entries are field lists, not JSON
        assertEquals(List.of("orderId", "customer", "amount", "tax", "total"), List.copyOf(first.keySet()));
        assertEquals(Map.of("orderId", "o-1", "customer", "c-7", "amount", "12.50", "tax", "2.50", "total", "15.00"), first);
        assertEquals(List.of(Map.of("orderId", "o-2", "customer", "c-8", "amount", "0.99", "tax", "0.20", "total", "1.19")),
                invoicesFor("o-2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> streams.pending() == 0);
    }

    @Test
    void anAmountThatIsNotAPositiveDecimalIsRetriedThenDeadLettered() {
        Map<String, String> bad = Map.of("o-twelve", "twelve", "o-negative", "-5.00", "o-zero", "0", "o-empty", "");
        bad.forEach((id, amount) -> streams.order("orderId", id, "customer", "c-1", "amount", amount));
        streams.order("orderId", "o-missing", "customer", "c-1"); // no amount at all
        streams.order("orderId", "o-fine", "customer", "c-1", "amount", "10");

        await().atMost(Duration.ofSeconds(30)).until(() -> deadLettersFor().size() == 5);
        for (Map<String, String> letter : deadLettersFor()) {
            String id = letter.get("orderId");
            assertEquals("orders", letter.get("rill.stream"), id);
            assertEquals("billing", letter.get("rill.group"), id);
            assertEquals("billing-test", letter.get("rill.consumer"), id);
            assertEquals("failed", letter.get("rill.reason"), id);
            assertEquals(InvalidOrderException.class.getName(), letter.get("rill.error"), id);
            assertTrue(letter.get("rill.message").startsWith("order " + id + ": amount"), letter.toString());
            // application.yml: dead-letter.max-failures 6 with 3 attempts per delivery: delivered twice
            assertEquals("6", letter.get("rill.failures"), id);
            assertEquals("2", letter.get("rill.deliveries"), id);
            if (bad.containsKey(id)) {
                assertEquals(bad.get(id), letter.get("amount"), "the original fields travel with the dead letter");
            }
        }
        assertEquals(List.of(Map.of("orderId", "o-fine", "customer", "c-1", "amount", "10", "tax", "2.00", "total", "12.00")),
                invoicesFor("o-fine"));
        assertTrue(invoicesFor(bad.keySet().toArray(String[]::new)).isEmpty(), "no invoice for a bad order");
        await().atMost(Duration.ofSeconds(10)).until(() -> streams.pending() == 0);
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

        streams.order("orderId", "o-prometheus", "customer", "c-9", "amount", "1.00");
        await().atMost(Duration.ofSeconds(10)).until(() -> invoicesFor("o-prometheus").size() == 1);
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
        streams.order("orderId", "o-paused", "customer", "c-9", "amount", "2.00");
        // not read while paused: the group's lag counts it
        await().atMost(Duration.ofSeconds(10)).until(() -> Integer.valueOf(1).equals(
                map(list(json(get("/rill").body()).get("subscriptions")).getFirst()).get("lag")));
        assertTrue(invoicesFor("o-paused").isEmpty());

        HttpResponse<String> resumed = post("/rill/resume", "{\"id\":\"" + id + "\"}");
        assertEquals(200, resumed.statusCode(), resumed.body());
        assertEquals(false, json(resumed.body()).get("paused"), resumed.body());
        await().atMost(Duration.ofSeconds(10)).until(() -> invoicesFor("o-paused").size() == 1);

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

    private List<Map<String, String>> invoicesFor(String... orderIds) {
        List<String> wanted = List.of(orderIds);
        List<Map<String, String>> found = new ArrayList<>();
        for (Map<String, String> invoice : streams.entries("invoices")) {
            if (wanted.contains(invoice.get("orderId"))) {
                found.add(invoice);
            }
        }
        return found;
    }

    private List<Map<String, String>> deadLettersFor() {
        return streams.entries("orders:dlq");
    }
}
