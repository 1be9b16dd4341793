package io.rill.examples.orders;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.micronaut.context.ApplicationContext;
import io.rill.testing.RedisServer;

/** Demo mode as `examples/run order-service` starts it: no Redis configured, orders produced, progress printed. */
class DemoModeTest {

    @Test
    void withoutARedisDemoModeStartsAThrowawayOneAndBillsWhatItProduces() throws Exception {
        assumeTrue(System.getenv("REDIS_URI") == null, "REDIS_URI names a Redis, so demo mode would use it");
        Path log = Path.of(System.getProperty("org.slf4j.simpleLogger.logFile", "target/order-service-test.log"));
        long logStart = Files.exists(log) ? Files.size(log) : 0; // other tests of this JVM wrote before
        ApplicationContext context = OrderService.start("--demo.enabled=true", "--demo.rate=100", "--demo.invalid-every=5",
                "--micronaut.server.port=-1", "--RILL_CONSUMER=demo-1");
        RedisServer redis = context.getBean(RedisServer.class);
        try (redis; context; OrderStreams streams = new OrderStreams(redis.uri())) {
            assertEquals(redis.uri(), context.getProperty("redis.uri", String.class).orElseThrow());
            DemoOrders orders = context.getBean(DemoOrders.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> streams.entries("invoices").size() >= 100);
            assertTrue(orders.produced() >= 100, "produced " + orders.produced());
            assertEquals("demo-1", streams.redis.xinfoConsumers("orders", "billing").stream()
                    .map(c -> String.valueOf(((List<?>) c).get(1))).findFirst().orElseThrow(), "the name from RILL_CONSUMER");

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                List<String> lines = Files.readAllLines(log);
                assertTrue(lines.stream().anyMatch(l -> l.contains("Demo mode and no redis.uri (REDIS_URI) configured: starting a throwaway Redis")),
                        "the first line says a throwaway Redis is started");
                assertTrue(lines.stream().anyMatch(l -> l.matches(".*Progress - produced \\d+, handled \\d+, acked \\d+, pending \\d+, dead-lettered \\d+, lag \\d+ \\(\\d+ ms\\), rate \\d+/s")),
                        "a progress line");
            });
            // a failed order is counted and dead-lettered with one WARN line, never logged as an ERROR or a stack trace
            await().atMost(Duration.ofSeconds(30)).until(() -> !streams.entries("orders:dlq").isEmpty());
            byte[] all = Files.readAllBytes(log);
            List<String> demoLines = new String(all, (int) logStart, all.length - (int) logStart, StandardCharsets.UTF_8).lines().toList();
            assertEquals(List.of(), demoLines.stream().filter(l -> l.contains(" ERROR ") || l.startsWith("\tat ")
                    || l.startsWith("Caused by")).toList());
        }
    }
}
