package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Requires;
import io.rill.micronaut.annotation.MessageId;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

/**
 * A stop while a listener's future is still open: the stop waits for it within shutdown-timeout, then
 * interrupts the worker, which cancels the future; the entry stays pending, nothing is acknowledged.
 */
class AsyncStopTest {

    static final String SPEC = "AsyncStopTest";
    static final Map<String, CompletableFuture<Void>> OPEN = new ConcurrentHashMap<>();

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "stop", consumer = "c1")
    static class Waiting {
        @Stream("as:orders")
        CompletableFuture<Void> onOrder(@MessageId String id) {
            CompletableFuture<Void> open = new CompletableFuture<>(); // nobody completes it
            OPEN.put(id, open);
            return open;
        }
    }

    @Test
    void aFutureStillOpenAtTheStopIsCancelledAndItsEntryStaysPending() {
        try (RedisServer server = RedisServer.start(); RedisFixture redis = new RedisFixture(server)) {
            ApplicationContext context = ApplicationContext.run(Map.of(
                    "spec.name", SPEC,
                    "redis.uri", server.uri(),
                    "rill.consumers.default.start-position", "earliest",
                    "rill.consumers.default.block-timeout", "200ms",
                    "rill.consumers.default.shutdown-timeout", "500ms"));
            String id = redis.add("as:orders", "n", "1");
            await().atMost(Duration.ofSeconds(20)).until(() -> OPEN.containsKey(id));

            context.close(); // returns once the subscription has stopped

            assertTrue(OPEN.get(id).isCancelled(), "the interrupt at the stop's deadline cancels the future");
            assertEquals(Set.of(id), redis.pendingIds("as:orders", "stop"), "not acknowledged");
        }
    }
}
