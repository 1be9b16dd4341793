package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.lettuce.core.StreamMessage;
import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageBody;
import io.micronaut.messaging.annotation.MessageHeader;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.SubscriptionState;
import io.rill.deadletter.DeadLetter;
import io.rill.micronaut.annotation.MessageId;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.micronaut.bind.EntryBindingException;
import io.rill.testing.RedisFixture;
import jakarta.inject.Inject;

/**
 * Issue 5, test 5: an entry that can't be bound is a handler failure carrying the binding error, and the
 * subscription keeps going. Binding errors are not retried by default (semantics 7: a non-retryable error
 * is dead-lettered at once, reason {@code non-retryable}), and their messages never quote the entry's
 * values: group {@code plain} runs that default. Groups {@code strict} and {@code dlq} opt back in to
 * retries ({@code retry.retryable} names {@link EntryBindingException}): {@code strict} runs single
 * attempts and a high failure limit so that each failure is seen once by its exception handler and stays
 * pending; {@code dlq} is retried, then dead-lettered as {@code failed}.
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

    /** No exception handler: failures go straight to the core, with the module's default retry options. */
    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "plain")
    static class Plain {
        final Set<String> handled = ConcurrentHashMap.newKeySet();

        @Stream("bad:plain")
        void onOrder(Order order) {
            handled.add(order.sku());
        }

        @Stream("bad:plain-fields")
        void onCount(@MessageHeader("count") int count, @MessageId String id) {
            handled.add(id);
        }
    }

    /** Retries and dead letters configured through rill.consumers.dlq.* and @Stream(maxFailures). */
    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "dlq")
    static class DeadLettering {
        final Set<String> handled = ConcurrentHashMap.newKeySet();

        @Stream(value = "bad:dlq", maxFailures = "2")
        void onOrder(@MessageBody Order order, @MessageId String id) {
            handled.add(order.sku());
        }
    }

    @Override
    Map<String, String> properties() {
        String retryBindingErrors = "java.lang.Throwable," + EntryBindingException.class.getName();
        return Map.of(
                "rill.consumers.strict.retry.retryable", retryBindingErrors,
                "rill.consumers.dlq.retry.retryable", retryBindingErrors,
                "rill.consumers.strict.retry.max-attempts", "1",
                "rill.consumers.strict.dead-letter.max-failures", "1000",
                "rill.consumers.dlq.retry.max-attempts", "2",
                "rill.consumers.dlq.retry.backoff.initial", "10ms",
                "rill.consumers.dlq.retry.backoff.max", "20ms");
    }

    @Inject
    DeadLettering deadLettering;
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
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.pendingIds("bad:orders", "strict")
                .equals(Set.of(notJson, noTenant, wrongType, throwing)));
        assertTrue(!redis.pendingIds("bad:orders", "strict").contains(skipped));
        String id = RillSubscriptions.idOf(subscriptions.list().stream()
                .filter(s -> s.listener().endsWith("Strict#onOrder")).findFirst().orElseThrow().options());
        assertEquals(SubscriptionState.RUNNING, subscriptions.get(id).orElseThrow().state().orElseThrow());
    }

    @Test
    void aBadBodyIsRetriedThenDeadLetteredWithTheBindingError() {
        String bad = redis.add("bad:dlq", "payload", "{\"sku\": 42", "tenant", "t1");
        redis.add("bad:dlq", "payload", "{\"sku\":\"H\",\"quantity\":1}");

        await().atMost(Duration.ofSeconds(20)).until(() -> deadLettering.handled.contains("H")
                && redis.entries("bad:dlq:dlq").size() == 1 && redis.allAcked("bad:dlq", "dlq"));
        StreamMessage<String, String> dead = redis.entries("bad:dlq:dlq").get(0);
        Map<String, String> fields = dead.getBody();
        assertEquals("{\"sku\": 42", fields.get("payload"), "the original fields travel with the dead letter");
        assertEquals("t1", fields.get("tenant"));
        assertEquals(bad, fields.get(DeadLetter.ID));
        assertEquals("bad:dlq", fields.get(DeadLetter.STREAM));
        assertEquals("dlq", fields.get(DeadLetter.GROUP));
        assertEquals(EntryBindingException.class.getName(), fields.get(DeadLetter.ERROR));
        assertTrue(fields.get(DeadLetter.MESSAGE).contains("'payload'"), fields.get(DeadLetter.MESSAGE));
        // two attempts (retry.max-attempts) of one delivery reach @Stream(maxFailures = "2")
        assertEquals(DeadLetter.REASON_FAILED, fields.get(DeadLetter.REASON));
        assertEquals("2", fields.get(DeadLetter.FAILURES));
        assertEquals("1", fields.get(DeadLetter.DELIVERIES));
        assertEquals(Set.of("H"), deadLettering.handled);
        assertEquals(1, subscriptions.deadLetters("", "bad:dlq:dlq").size());
    }

    @Test
    void aBadEntryInABatchFailsAloneAndTheRestIsAcked() {
        redis.add("bad:batches", "payload", "{\"sku\":\"E\",\"quantity\":1}");
        String bad = redis.add("bad:batches", "payload", "[1,2]", "tenant", "t1");
        redis.add("bad:batches", "payload", "{\"sku\":\"F\",\"quantity\":1}");

        await().atMost(Duration.ofSeconds(20)).until(() -> strict.handled.containsAll(Set.of("E", "F"))
                && redis.pendingIds("bad:batches", "strict").equals(Set.of(bad)));
        assertInstanceOf(EntryBindingException.class, failureOf(bad).getCause());
    }

    /**
     * Semantics 7 (a non-retryable error is dead-lettered at once): with the default options (three attempts
     * per delivery, ten failures) a body or field that does not bind is dead-lettered after one attempt, as
     * {@code non-retryable}; its value (here an e-mail address) appears neither in the log nor in the dead
     * letter's error fields, which name the field, the type and the entry instead.
     */
    @Test
    void aPoisonEntryIsDeadLetteredAfterOneAttemptWithoutItsValueInLogsOrErrorFields() throws Exception {
        String secret = "jane.doe." + java.util.UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        String wrongType = redis.add("bad:plain", "payload", "{\"sku\":\"A\",\"quantity\":\"" + secret + "\"}");
        String truncated = redis.add("bad:plain", "payload", "{\"sku\":\"" + secret + "\",\"quantity\":");
        redis.add("bad:plain", "sku", "G", "quantity", "3");
        String notANumber = redis.add("bad:plain-fields", "count", secret);
        String fine = redis.add("bad:plain-fields", "count", "7");

        await().atMost(Duration.ofSeconds(20)).until(() -> plain.handled.containsAll(Set.of("G", fine))
                && redis.entries("bad:plain:dlq").size() == 2 && redis.entries("bad:plain-fields:dlq").size() == 1
                && redis.allAcked("bad:plain", "plain") && redis.allAcked("bad:plain-fields", "plain"));

        // by stream and ID: entries of the two streams may share an ID (added in the same millisecond)
        Map<String, Map<String, String>> dead = new java.util.HashMap<>();
        for (String dlq : List.of("bad:plain:dlq", "bad:plain-fields:dlq")) {
            for (StreamMessage<String, String> m : redis.entries(dlq)) {
                dead.put(m.getBody().get(DeadLetter.STREAM) + "/" + m.getBody().get(DeadLetter.ID), m.getBody());
            }
        }
        String wrongTypeKey = "bad:plain/" + wrongType;
        String notANumberKey = "bad:plain-fields/" + notANumber;
        assertEquals(Set.of(wrongTypeKey, "bad:plain/" + truncated, notANumberKey), dead.keySet());
        for (Map<String, String> fields : dead.values()) {
            assertEquals(DeadLetter.REASON_NON_RETRYABLE, fields.get(DeadLetter.REASON), fields.toString());
            assertEquals("1", fields.get(DeadLetter.FAILURES), "one attempt: " + fields);
            assertEquals(EntryBindingException.class.getName(), fields.get(DeadLetter.ERROR));
            String message = fields.get(DeadLetter.MESSAGE);
            assertTrue(!message.contains(secret), "the value leaked into the dead letter: " + message);
            assertTrue(message.contains(fields.get(DeadLetter.ID)), message);
        }
        Map<String, String> wrongTypeLetter = dead.get(wrongTypeKey);
        assertTrue(wrongTypeLetter.get(DeadLetter.MESSAGE).contains("'payload'")
                && wrongTypeLetter.get(DeadLetter.MESSAGE).contains(Order.class.getName()), wrongTypeLetter.toString());
        Map<String, String> notANumberLetter = dead.get(notANumberKey);
        assertTrue(notANumberLetter.get(DeadLetter.MESSAGE).contains("field 'count' (" + secret.length() + " characters)")
                && notANumberLetter.get(DeadLetter.MESSAGE).contains("int"), notANumberLetter.toString());
        // the failures were logged (one WARN each, with the error), without the value
        assertTrue(RedisFixture.logLines("Handler failed on", "bad:plain " + wrongType) > 0);
        assertEquals(0, RedisFixture.logLines(secret), "the value leaked into the log");
    }
}
