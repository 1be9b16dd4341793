package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.lettuce.core.StreamMessage;
import io.micronaut.context.annotation.Requires;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.RetryOptions;
import io.rill.deadletter.DeadLetter;
import io.rill.micronaut.annotation.DeliveryCount;
import io.rill.micronaut.annotation.ErrorPolicy;
import io.rill.micronaut.annotation.MessageId;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.micronaut.bind.EntryBindingException;
import jakarta.inject.Inject;

/**
 * Issue 12, item 6: {@code @ErrorPolicy} on a {@code @Stream} method sets its retry options over the group's
 * {@code rill.consumers.<group>.retry.*}, part by part. Group {@code ep} runs single attempts and calls only
 * IllegalArgumentException non-retryable; each annotated method gets its own policy, seen on real Redis:
 * a retry within the same delivery, and a dead letter at once for an error the group would leave pending.
 */
@MicronautTest
class ErrorPolicyTest extends RedisTest {

    static final String SPEC = "ErrorPolicyTest";

    static class PoisonException extends RuntimeException {
        PoisonException(String message) {
            super(message);
        }
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "ep")
    static class Listener {
        /** The delivery count of every call, by entry ID. */
        final Map<String, List<Long>> calls = new ConcurrentHashMap<>();

        private int call(String id, OptionalLong delivery) {
            List<Long> of = calls.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>());
            of.add(delivery.orElse(-1));
            return of.size();
        }

        /** Fails its first call of each entry: only a second attempt in the same delivery acknowledges it. */
        @Stream("ep:flaky")
        @ErrorPolicy(maxAttempts = "${ep.attempts}", delay = "10ms")
        void onFlaky(@MessageId String id, @DeliveryCount OptionalLong delivery) {
            if (call(id, delivery) == 1) {
                throw new IllegalStateException("the first call fails");
            }
        }

        /** Always fails with an error the group would retry later; the annotation calls it non-retryable. */
        @Stream("ep:poison")
        @ErrorPolicy(nonRetryable = PoisonException.class)
        void onPoison(@MessageId String id, @DeliveryCount OptionalLong delivery) {
            call(id, delivery);
            throw new PoisonException("cannot be handled, ever");
        }

        /** The group's policy. */
        @Stream("ep:plain")
        void onPlain(@MessageId String id, @DeliveryCount OptionalLong delivery) {
            call(id, delivery);
        }
    }

    @Inject
    Listener listener;

    @Inject
    RillSubscriptions subscriptions;

    @Override
    String spec() {
        return SPEC;
    }

    @Override
    Map<String, String> properties() {
        return Map.of(
                "ep.attempts", "2",
                "rill.consumers.ep.retry.max-attempts", "1",
                "rill.consumers.ep.retry.non-retryable", "java.lang.IllegalArgumentException",
                "rill.consumers.default.retry.backoff.max", "200ms");
    }

    private RetryOptions retry(String method) {
        return subscriptions.list().stream().filter(s -> s.listener().endsWith("#" + method)).findFirst().orElseThrow()
                .options().retry();
    }

    @Test
    void theAnnotationsMaxAttemptsRetriesWithinTheDeliveryWhereTheGroupWouldNot() {
        String id = redis.add("ep:flaky", "n", "1");
        await().atMost(Duration.ofSeconds(20)).until(() -> redis.allAcked("ep:flaky", "ep")
                && listener.calls.getOrDefault(id, List.of()).size() == 2);
        assertEquals(List.of(1L, 1L), listener.calls.get(id), "both calls in the first delivery: an in-process retry");

        RetryOptions flaky = retry("onFlaky");
        assertEquals(2, flaky.maxAttempts(), "annotation (a placeholder) over the group's 1");
        assertEquals(Duration.ofMillis(10), flaky.backoff().initial(), "annotation");
        assertEquals(Duration.ofMillis(200), flaky.backoff().max(), "rill.consumers.default");
        assertEquals(RetryOptions.DEFAULT_BACKOFF.multiplier(), flaky.backoff().multiplier(), "core default");
        assertEquals(List.of(IllegalArgumentException.class, EntryBindingException.class), flaky.nonRetryable(), "group");
    }

    @Test
    void theAnnotationsNonRetryableTypesDeadLetterAtOnce() {
        String id = redis.add("ep:poison", "n", "1");
        await().atMost(Duration.ofSeconds(20)).until(() -> redis.entries("ep:poison:dlq").size() == 1
                && redis.allAcked("ep:poison", "ep"));
        StreamMessage<String, String> dead = redis.entries("ep:poison:dlq").get(0);
        assertEquals(id, dead.getBody().get(DeadLetter.ID));
        assertEquals(DeadLetter.REASON_NON_RETRYABLE, dead.getBody().get(DeadLetter.REASON));
        assertEquals(PoisonException.class.getName(), dead.getBody().get(DeadLetter.ERROR));
        assertEquals(List.of(1L), listener.calls.get(id), "one call, never retried");

        RetryOptions poison = retry("onPoison");
        assertEquals(List.of(PoisonException.class, EntryBindingException.class), poison.nonRetryable(),
                "the annotation's list replaces the group's");
        assertEquals(1, poison.maxAttempts(), "group");
    }

    @Test
    void aMethodWithoutTheAnnotationRunsTheGroupsPolicy() {
        RetryOptions plain = retry("onPlain");
        assertEquals(1, plain.maxAttempts());
        assertEquals(List.of(IllegalArgumentException.class, EntryBindingException.class), plain.nonRetryable());
        assertEquals(RetryOptions.DEFAULT_BACKOFF.initial(), plain.backoff().initial());
        assertEquals(Duration.ofMillis(200), plain.backoff().max());
    }
}
