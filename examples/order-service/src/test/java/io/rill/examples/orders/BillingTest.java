package io.rill.examples.orders;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

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

    @Inject
    EmbeddedServer http;

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
    void healthAndMetricsAreServed() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(http.getURL() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(health.body().startsWith("{\"status\":\"UP\""), health.body());
            assertTrue(health.body().contains("\"billing/billing-test/orders\":{\"listener\":\"io.rill.examples.orders.Billing#onOrder\",\"state\":\"RUNNING\""),
                    health.body());
        });
        HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(URI.create(http.getURL() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("rill_entries_acked_total{consumer=\"billing-test\",group=\"billing\",stream=\"orders\"}"),
                metrics.body());
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
