package io.rill.examples.contract;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The billing contract every billing example keeps, whatever its framework: a service that reads stream
 * {@code orders} (fields {@code orderId}, {@code customer}, {@code amount}) in group {@code billing} writes one
 * entry per valid order to {@code invoices} with exactly the fields {@code orderId, customer, amount, tax, total}
 * (tax 20 %, rounded to cents); an order whose amount is not a positive decimal is retried (3 attempts per
 * delivery), delivered once more after {@code reclaim.min-idle}, and after 6 failures moved to {@code orders:dlq}
 * with its original fields and Rill's metadata (semantics 7); nothing stays pending.
 *
 * <p>A test class extends this, starts its service against {@link #redisUri()} with {@link #PROPERTIES} (the
 * same {@code rill.consumers.billing.*} keys in Micronaut and Spring Boot) over the example's own configuration,
 * and may add tests of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BillingContract {

    /** The consumer name the service under test is given. */
    public static final String CONSUMER = "billing-test";

    /** What a test sets over the example's configuration: its consumer name, and failed orders back within a second. */
    public static final Map<String, String> PROPERTIES = properties();

    private BillingStreams streams;

    /** The Redis the service under test reads. */
    protected abstract String redisUri();

    /** The test's view of the order streams, connected on first use. */
    protected synchronized BillingStreams streams() {
        if (streams == null) {
            streams = new BillingStreams(redisUri());
        }
        return streams;
    }

    @AfterAll
    void closeStreams() {
        if (streams != null) {
            streams.close();
        }
    }

    private static Map<String, String> properties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("rill.consumers.billing.consumer", CONSUMER);
        properties.put("rill.consumers.billing.start-position", "earliest");
        properties.put("rill.consumers.billing.block-timeout", "200ms");
        // failed orders come back within a second instead of the examples' 5 s
        properties.put("rill.consumers.billing.reclaim.min-idle", "600ms");
        properties.put("rill.consumers.billing.reclaim.interval", "100ms");
        return Map.copyOf(properties);
    }

    @Test
    void aValidOrderBecomesOneInvoiceWithExactlyTheseFields() {
        BillingStreams s = streams();
        s.order("orderId", "o-1", "customer", "c-7", "amount", "12.50");
        s.order("orderId", "o-2", "customer", "c-8", "amount", "0.99");

        await().atMost(Duration.ofSeconds(20)).until(() -> s.invoicesFor("o-1", "o-2").size() == 2);
        // different customers are billed in parallel (ordering-key customer), so either may come first
        Map<String, String> first = s.invoicesFor("o-1").getFirst();
        // the exact fields, in this order: entries are field lists, not JSON
        assertEquals(List.of("orderId", "customer", "amount", "tax", "total"), List.copyOf(first.keySet()));
        assertEquals(Map.of("orderId", "o-1", "customer", "c-7", "amount", "12.50", "tax", "2.50", "total", "15.00"), first);
        assertEquals(List.of(Map.of("orderId", "o-2", "customer", "c-8", "amount", "0.99", "tax", "0.20", "total", "1.19")),
                s.invoicesFor("o-2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> s.pending() == 0);
    }

    @Test
    void anAmountThatIsNotAPositiveDecimalIsRetriedThenDeadLettered() {
        BillingStreams s = streams();
        Map<String, String> bad = Map.of("o-twelve", "twelve", "o-negative", "-5.00", "o-zero", "0", "o-empty", "");
        bad.forEach((id, amount) -> s.order("orderId", id, "customer", "c-1", "amount", amount));
        s.order("orderId", "o-missing", "customer", "c-1"); // no amount at all
        s.order("orderId", "o-fine", "customer", "c-1", "amount", "10");

        await().atMost(Duration.ofSeconds(30)).until(() -> s.entries("orders:dlq").size() == 5);
        for (Map<String, String> letter : s.entries("orders:dlq")) {
            String id = letter.get("orderId");
            assertEquals("orders", letter.get("rill.stream"), id);
            assertEquals("billing", letter.get("rill.group"), id);
            assertEquals(CONSUMER, letter.get("rill.consumer"), id);
            assertEquals("failed", letter.get("rill.reason"), id);
            assertEquals("io.rill.examples.orders.InvalidOrderException", letter.get("rill.error"), id);
            assertTrue(letter.get("rill.message").startsWith("order " + id + ": amount"), letter.toString());
            // dead-letter.max-failures 6 with 3 attempts per delivery: delivered twice
            assertEquals("6", letter.get("rill.failures"), id);
            assertEquals("2", letter.get("rill.deliveries"), id);
            if (bad.containsKey(id)) {
                assertEquals(bad.get(id), letter.get("amount"), "the original fields travel with the dead letter");
            }
        }
        assertEquals(List.of(Map.of("orderId", "o-fine", "customer", "c-1", "amount", "10", "tax", "2.00", "total", "12.00")),
                s.invoicesFor("o-fine"));
        assertTrue(s.invoicesFor(bad.keySet().toArray(String[]::new)).isEmpty(), "no invoice for a bad order");
        await().atMost(Duration.ofSeconds(10)).until(() -> s.pending() == 0);
    }
}
