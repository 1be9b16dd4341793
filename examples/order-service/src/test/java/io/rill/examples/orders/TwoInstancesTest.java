package io.rill.examples.orders;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.testing.RedisServer;

/** Two instances of the service, two consumer names, one Redis: the work is shared, each order billed once. */
class TwoInstancesTest {

    @Test
    void twoInstancesShareTheOrdersAndBillEachOnce() {
        try (RedisServer server = RedisServer.start();
             OrderStreams streams = new OrderStreams(server.uri());
             ApplicationContext a = instance(server, "billing-a");
             ApplicationContext b = instance(server, "billing-b")) {
            int orders = 400;
            for (int i = 0; i < orders; i++) {
                streams.order("orderId", "o-" + i, "customer", "c-" + (i % 20), "amount", (i + 1) + ".00");
            }

            await().atMost(Duration.ofSeconds(60)).until(() -> streams.entries("invoices").size() >= orders);
            Set<String> billed = new HashSet<>();
            for (Map<String, String> invoice : streams.entries("invoices")) {
                assertTrue(billed.add(invoice.get("orderId")), "billed twice: " + invoice);
            }
            assertEquals(orders, billed.size());

            long byA = handled(a);
            long byB = handled(b);
            assertEquals(orders, byA + byB);
            assertTrue(byA > 0 && byB > 0, "both instances handle orders: billing-a " + byA + ", billing-b " + byB);
            await().atMost(Duration.ofSeconds(10)).until(() -> streams.pending() == 0);
        }
    }

    private static ApplicationContext instance(RedisServer server, String consumer) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("redis.uri", server.uri());
        properties.put("micronaut.server.port", "-1");
        properties.put("rill.consumers.billing.consumer", consumer);
        properties.put("rill.consumers.billing.start-position", "earliest");
        properties.put("rill.consumers.billing.block-timeout", "200ms");
        // small reads, so that neither instance can take the whole backlog in one go
        properties.put("rill.consumers.billing.batch-size", "10");
        properties.put("rill.consumers.billing.max-in-flight", "20");
        return ApplicationContext.builder().properties(properties).start();
    }

    private static long handled(ApplicationContext context) {
        MeterRegistry meters = context.getBean(MeterRegistry.class);
        return (long) meters.find(SubscriptionMetrics.HANDLED).tag("group", "billing").counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }
}
