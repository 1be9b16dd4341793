package io.rill.examples.plain;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.Rill;
import io.rill.testing.RedisServer;

/** The plain-Java billing against a real Redis: invoices for good orders, dead letters for bad ones. */
class PlainBillingTest {

    @Test
    void validOrdersAreInvoicedAndBadOnesEndInTheDeadLetterStream() {
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClient.create(server.uri());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisCommands<String, String> redis = connection.sync();
                redis.xadd("orders", Map.of("orderId", "o-1", "customer", "c-1", "amount", "12.50"));
                redis.xadd("orders", Map.of("orderId", "o-2", "customer", "c-2", "amount", "-3"));
                redis.xadd("orders", Map.of("orderId", "o-3", "customer", "c-3", "amount", "twelve"));

                Rill rill = PlainBilling.start(client, "billing-test");
                try {
                    await().atMost(Duration.ofSeconds(30)).until(() -> redis.xlen("orders:dlq") == 2);
                } finally {
                    rill.close(Duration.ofSeconds(10));
                }

                List<StreamMessage<String, String>> invoices = redis.xrange("invoices", Range.create("-", "+"));
                assertEquals(1, invoices.size());
                assertEquals(List.of("orderId", "customer", "amount", "tax", "total"), List.copyOf(invoices.getFirst().getBody().keySet()));
                assertEquals(Map.of("orderId", "o-1", "customer", "c-1", "amount", "12.50", "tax", "2.50", "total", "15.00"),
                        invoices.getFirst().getBody());
                for (StreamMessage<String, String> letter : redis.xrange("orders:dlq", Range.create("-", "+"))) {
                    Map<String, String> fields = letter.getBody();
                    assertEquals("billing", fields.get("rill.group"));
                    assertEquals(IllegalArgumentException.class.getName(), fields.get("rill.error"));
                    assertTrue(fields.get("rill.message").startsWith("order " + fields.get("orderId") + ": amount"), fields.toString());
                    assertEquals("failed", fields.get("rill.reason"));
                    assertEquals("6", fields.get("rill.failures"), "maxFailures(6)");
                    assertEquals("2", fields.get("rill.deliveries"), "3 attempts per delivery");
                }
                assertEquals(0, redis.xpending("orders", "billing").getCount());
            } finally {
                client.shutdown();
            }
        }
    }
}
