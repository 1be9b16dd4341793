package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageBody;
import io.micronaut.messaging.annotation.MessageHeader;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.SubscriptionState;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.micronaut.bind.EntryBindingException;
import jakarta.inject.Inject;

/**
 * Issue 5, test 5: an entry that can't be bound is a handler failure carrying the binding error; the
 * subscription keeps going. (Moving it to a dead-letter stream is the core's retry and dead-letter work,
 * semantics 7; until that lands the failed entry stays pending.)
 */
@MicronautTest
class BadBindingTest extends RedisTest {

    static final String SPEC = "BadBindingTest";

    @Serdeable
    record Order(String sku, int quantity) {
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "strict")
    static class Strict implements RedisStreamListenerExceptionHandler {
        final Set<String> handled = ConcurrentHashMap.newKeySet();
        final List<RedisStreamListenerException> failures = new CopyOnWriteArrayList<>();

        @Stream("bad:orders")
        void onOrder(@MessageBody Order order, @MessageHeader("tenant") String tenant) {
            if (order.quantity() < 0) {
                throw new IllegalArgumentException("negative quantity");
            }
            handled.add(order.sku());
        }

        @Stream(value = "bad:batches", batch = true)
        void onBatch(List<Order> orders) {
            orders.forEach(o -> handled.add(o.sku()));
        }

        @Override
        public Resolution handle(RedisStreamListenerException exception) {
            failures.add(exception);
            // entries whose tenant says so are dealt with here; the rest stay failed
            return "skip".equals(exception.entries().get(0).field("tenant")) ? Resolution.ACKNOWLEDGE : Resolution.FAIL;
        }
    }

    /** No exception handler: failures go straight to the core. */
    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "plain")
    static class Plain {
        final Set<String> handled = ConcurrentHashMap.newKeySet();

        @Stream("bad:plain")
        void onOrder(Order order) {
            handled.add(order.sku());
        }
    }

    @Inject
    Strict strict;
    @Inject
    Plain plain;
    @Inject
    RillSubscriptions subscriptions;

    @Override
    String spec() {
        return SPEC;
    }

    private RedisStreamListenerException failureOf(String id) {
        return strict.failures.stream().filter(f -> f.entries().get(0).id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void bindingErrorsReachTheFailurePathAndTheSubscriptionKeepsGoing() {
        String notJson = redis.add("bad:orders", "payload", "{not json", "tenant", "t1");
        String noTenant = redis.add("bad:orders", "payload", "{\"sku\":\"A\",\"quantity\":1}");
        String wrongType = redis.add("bad:orders", "payload", "{\"sku\":\"B\",\"quantity\":\"many\"}", "tenant", "t1");
        String throwing = redis.add("bad:orders", "payload", "{\"sku\":\"C\",\"quantity\":-1}", "tenant", "t1");
        String skipped = redis.add("bad:orders", "payload", "{broken", "tenant", "skip");
        redis.add("bad:orders", "payload", "{\"sku\":\"D\",\"quantity\":2}", "tenant", "t1");

        await().atMost(Duration.ofSeconds(20)).until(() -> strict.handled.contains("D") && strict.failures.size() == 5);
        assertEquals(Set.of("D"), strict.handled);

        RedisStreamListenerException json = failureOf(notJson);
        EntryBindingException binding = assertInstanceOf(EntryBindingException.class, json.getCause());
        assertTrue(binding.getMessage().contains("bad:orders " + notJson) && binding.getMessage().contains("'payload'")
                && binding.getMessage().contains(Order.class.getName()), binding.getMessage());
        assertEquals(Strict.class.getName() + "#onOrder", json.method());
        assertTrue(failureOf(noTenant).getCause().getMessage().contains("field 'tenant' is missing"),
                failureOf(noTenant).getCause().getMessage());
        assertInstanceOf(EntryBindingException.class, failureOf(wrongType).getCause());
        assertEquals("negative quantity", failureOf(throwing).getCause().getMessage());

        // FAIL leaves them pending (for retries and dead letters); ACKNOWLEDGE acked the skipped one
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.pending("bad:orders", "strict")
                .equals(Set.of(notJson, noTenant, wrongType, throwing)));
        assertTrue(!redis.pending("bad:orders", "strict").contains(skipped));
        String id = RillSubscriptions.idOf(subscriptions.list().stream()
                .filter(s -> s.listener().endsWith("Strict#onOrder")).findFirst().orElseThrow().options());
        assertEquals(SubscriptionState.RUNNING, subscriptions.get(id).orElseThrow().state().orElseThrow());
    }

    @Test
    void aBadEntryInABatchFailsAloneAndTheRestIsAcked() {
        redis.add("bad:batches", "payload", "{\"sku\":\"E\",\"quantity\":1}");
        String bad = redis.add("bad:batches", "payload", "[1,2]", "tenant", "t1");
        redis.add("bad:batches", "payload", "{\"sku\":\"F\",\"quantity\":1}");

        await().atMost(Duration.ofSeconds(20)).until(() -> strict.handled.containsAll(Set.of("E", "F"))
                && redis.pending("bad:batches", "strict").equals(Set.of(bad)));
        assertInstanceOf(EntryBindingException.class, failureOf(bad).getCause());
    }

    @Test
    void withoutAnExceptionHandlerTheEntryStaysPendingAndTheRestIsHandled() {
        String bad = redis.add("bad:plain", "payload", "{\"sku\":");
        redis.add("bad:plain", "sku", "G", "quantity", "3");
        await().atMost(Duration.ofSeconds(20)).until(() -> plain.handled.contains("G")
                && redis.pending("bad:plain", "plain").equals(Set.of(bad)));
    }
}
