package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;

import io.lettuce.core.StreamMessage;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.core.convert.ConversionContext;
import io.micronaut.core.convert.TypeConverter;
import io.micronaut.messaging.annotation.MessageHeader;
import io.micronaut.messaging.annotation.SendTo;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.Acknowledgement;
import io.rill.HandlerTimeoutException;
import io.rill.deadletter.DeadLetter;
import io.rill.micronaut.annotation.MessageId;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Listener methods that return a CompletionStage or a Publisher: the worker waits for the result, so the
 * entry is acknowledged when it completes and failed (retries, dead letters) when it fails, and
 * handler-timeout applies to the wait. Other reactive types go through Micronaut's conversion to a Publisher.
 */
@MicronautTest
class AsyncHandlerTest extends RedisTest {

    static final String SPEC = "AsyncHandlerTest";

    /** Thrown by the asynchronous work, so that the dead letter shows the cause unwrapped. */
    static class RefusedException extends RuntimeException {
        RefusedException(String message) {
            super(message);
        }
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "async")
    static class Handlers {
        final AtomicInteger failingAttempts = new AtomicInteger();
        final Set<String> cold = ConcurrentHashMap.newKeySet();
        final Map<String, CompletableFuture<Void>> open = new ConcurrentHashMap<>();
        /** Each call of onPayment: its entry ID and how many earlier futures were still open when it began. */
        final List<String> paymentCalls = new CopyOnWriteArrayList<>();
        final List<Integer> counted = new CopyOnWriteArrayList<>();
        final List<List<String>> batches = new CopyOnWriteArrayList<>();
        final AtomicInteger refunds = new AtomicInteger();

        @Stream("async:failing")
        Mono<Void> onFailing(@MessageId String id) {
            return Mono.defer(() -> {
                failingAttempts.incrementAndGet();
                return Mono.error(new IllegalStateException("the payment service said no to " + id));
            });
        }

        @Stream(value = "async:refused", maxFailures = "1")
        CompletableFuture<Void> onRefused(@MessageId String id) {
            return CompletableFuture.runAsync(() -> {
                throw new RefusedException("refused " + id);
            });
        }

        @Stream("async:cold")
        Mono<Void> onCold(@MessageId String id) {
            return Mono.fromRunnable(() -> cold.add(id)); // runs only when subscribed
        }

        @Stream("async:payments")
        CompletableFuture<Void> onPayment(@MessageId String id) {
            long stillOpen = open.values().stream().filter(f -> !f.isDone()).count();
            paymentCalls.add(id + " with " + stillOpen + " open");
            CompletableFuture<Void> done = new CompletableFuture<>(); // completed by the test
            open.put(id, done);
            return done;
        }

        @Stream("async:counts")
        Flux<Integer> onCount(@MessageHeader("n") int n) {
            return Flux.range(1, n).doOnNext(counted::add); // elements are dropped without @SendTo
        }

        @Stream(value = "async:batches", batch = true)
        Mono<Void> onBatch(List<String> bodies) {
            return Mono.fromRunnable(() -> batches.add(bodies));
        }

        @Stream("async:orders")
        @SendTo("async:invoices")
        CompletableFuture<Map<String, String>> onOrder(@MessageHeader("orderId") String orderId) {
            return CompletableFuture.supplyAsync(() -> Map.of("orderId", orderId, "status", "issued"));
        }

        @Stream("async:refunds")
        Mono<Void> onRefund(@MessageHeader("approved") boolean approved, Acknowledgement ack) {
            return Mono.fromRunnable(() -> {
                refunds.incrementAndGet();
                if (!approved) {
                    throw new RefusedException("not approved");
                }
                ack.ack();
            });
        }
    }

    /** A reactive type of the test's own, which Micronaut knows, and converts with {@link LaterConverter}. */
    static final class Later {
        final Runnable work;

        Later(Runnable work) {
            this.work = work;
        }
    }

    /** A reactive type Micronaut knows but has no converter for (as RxJava's without micronaut-rxjava3). */
    static final class Orphan {
    }

    static {
        Publishers.registerReactiveType(Later.class);
        Publishers.registerReactiveType(Orphan.class);
    }

    @Requires(property = "spec.name", value = SPEC)
    @Singleton
    @SuppressWarnings("rawtypes")
    static class LaterConverter implements TypeConverter<Later, Publisher> {
        @Override
        public Optional<Publisher> convert(Later later, Class<Publisher> targetType, ConversionContext context) {
            return Optional.of(Mono.fromRunnable(later.work));
        }
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "async-converted")
    static class Converted {
        final Set<String> ran = ConcurrentHashMap.newKeySet();

        @Stream("async:later")
        Later onLater(@MessageId String id) {
            return new Later(() -> ran.add(id));
        }

        @Stream(value = "async:orphan", maxFailures = "1")
        Orphan onOrphan(@MessageId String id) {
            return new Orphan();
        }
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "async-timeout")
    static class Slow {
        final Map<String, CompletableFuture<Void>> never = new ConcurrentHashMap<>();

        @Stream(value = "async:slow", maxFailures = "1")
        CompletableFuture<Void> onSlow(@MessageId String id) {
            CompletableFuture<Void> pending = new CompletableFuture<>(); // nobody completes it
            never.put(id, pending);
            return pending;
        }
    }

    @Inject
    Handlers handlers;
    @Inject
    Slow slow;
    @Inject
    Converted converted;

    @Override
    String spec() {
        return SPEC;
    }

    @Override
    Map<String, String> properties() {
        return Map.of(
                "rill.consumers.async.retry.max-attempts", "3",
                "rill.consumers.async.retry.backoff.initial", "10ms",
                "rill.consumers.async.retry.backoff.max", "20ms",
                "rill.consumers.async-timeout.handler-timeout", "200ms");
    }

    @Test
    void aMonoThatFailsLeavesItsEntryPendingAfterItsRetries() {
        String id = redis.add("async:failing", "n", "1");
        await().atMost(Duration.ofSeconds(20)).until(() -> handlers.failingAttempts.get() == 3);
        assertEquals(Set.of(id), redis.pendingIds("async:failing", "async"), "failed, not acknowledged");
        assertTrue(redis.entries("async:failing:dlq").isEmpty(), "3 failures are under max-failures");
    }

    @Test
    void aFailedFutureIsAFailureOfItsOwnCauseAndDeadLettered() {
        String id = redis.add("async:refused", "n", "1");
        await().atMost(Duration.ofSeconds(20)).until(() -> !redis.entries("async:refused:dlq").isEmpty());
        Map<String, String> dead = redis.entries("async:refused:dlq").get(0).getBody();
        assertEquals(id, dead.get(DeadLetter.ID));
        assertEquals(RefusedException.class.getName(), dead.get(DeadLetter.ERROR), "the cause, not a CompletionException");
        assertEquals("refused " + id, dead.get(DeadLetter.MESSAGE));
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("async:refused", "async"));
    }

    @Test
    void aColdMonoIsSubscribedAndRuns() {
        String id = redis.add("async:cold", "n", "1");
        await().atMost(Duration.ofSeconds(20)).until(() -> handlers.cold.contains(id));
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("async:cold", "async"));
    }

    @Test
    void aFutureIsAcknowledgedOnlyOnceItCompletesAndHoldsItsLane() {
        String first = redis.add("async:payments", "n", "1");
        String second = redis.add("async:payments", "n", "2");
        await().atMost(Duration.ofSeconds(20)).until(() -> handlers.open.containsKey(first));
        assertTrue(redis.pendingIds("async:payments", "async").contains(first), "not acknowledged while its future is open");

        handlers.open.get(first).complete(null);
        await().atMost(Duration.ofSeconds(20)).until(() -> handlers.open.containsKey(second));
        // concurrency 1: the second entry waited for the first future, as it waits for a synchronous handler
        assertEquals(List.of(first + " with 0 open", second + " with 0 open"), handlers.paymentCalls);
        await().atMost(Duration.ofSeconds(10)).until(() -> !redis.pendingIds("async:payments", "async").contains(first));
        assertTrue(redis.pendingIds("async:payments", "async").contains(second), "not acknowledged while its future is open");

        handlers.open.get(second).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("async:payments", "async"));
    }

    @Test
    void aFluxIsSubscribedOnceAndItsElementsAreDropped() {
        redis.add("async:counts", "n", "3");
        await().atMost(Duration.ofSeconds(20)).until(() -> redis.allAcked("async:counts", "async"));
        assertEquals(List.of(1, 2, 3), handlers.counted);
    }

    @Test
    void aBatchMethodsMonoIsAwaited() {
        redis.add("async:batches", "payload", "a");
        redis.add("async:batches", "payload", "b");
        await().atMost(Duration.ofSeconds(20)).until(() -> handlers.batches.stream().mapToInt(List::size).sum() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("async:batches", "async"));
    }

    @Test
    void sendToWritesTheValueAFutureCompletesWith() {
        redis.add("async:orders", "orderId", "o-7");
        await().atMost(Duration.ofSeconds(20)).until(() -> !redis.entries("async:invoices").isEmpty());
        List<StreamMessage<String, String>> invoices = redis.entries("async:invoices");
        assertEquals(Map.of("orderId", "o-7", "status", "issued"), invoices.get(0).getBody());
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("async:orders", "async"));
    }

    @Test
    void aManualAckMethodsMonoIsAwaitedAndItsErrorFailsTheEntry() {
        redis.add("async:refunds", "approved", "true");
        String rejected = redis.add("async:refunds", "approved", "false");
        await().atMost(Duration.ofSeconds(20)).until(() -> handlers.refunds.get() == 2
                && redis.pendingIds("async:refunds", "async").equals(Set.of(rejected)));
    }

    @Test
    void aReactiveTypeIsAwaitedThroughMicronautsConversionAndFailsWithoutAConverter() {
        String id = redis.add("async:later", "n", "1");
        await().atMost(Duration.ofSeconds(20)).until(() -> converted.ran.contains(id));
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("async:later", "async-converted"));

        String orphan = redis.add("async:orphan", "n", "1");
        await().atMost(Duration.ofSeconds(20)).until(() -> !redis.entries("async:orphan:dlq").isEmpty());
        Map<String, String> dead = redis.entries("async:orphan:dlq").get(0).getBody();
        assertEquals(orphan, dead.get(DeadLetter.ID));
        assertEquals(IllegalStateException.class.getName(), dead.get(DeadLetter.ERROR), "failed, not acknowledged unrun");
        assertTrue(dead.get(DeadLetter.MESSAGE).contains("no converter"), dead.get(DeadLetter.MESSAGE));
    }

    @Test
    void handlerTimeoutFailsAFutureThatNeverCompletesAndCancelsIt() {
        String id = redis.add("async:slow", "n", "1");
        await().atMost(Duration.ofSeconds(20)).until(() -> !redis.entries("async:slow:dlq").isEmpty());
        Map<String, String> dead = redis.entries("async:slow:dlq").get(0).getBody();
        assertEquals(id, dead.get(DeadLetter.ID));
        assertEquals(HandlerTimeoutException.class.getName(), dead.get(DeadLetter.ERROR));
        await().atMost(Duration.ofSeconds(10)).until(() -> slow.never.get(id).isCancelled());
    }
}
