package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.lettuce.core.StreamMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.DeadLetterOptions;
import io.rill.HandlerTimeoutException;
import io.rill.JanitorOptions;
import io.rill.ReclaimOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.deadletter.DeadLetter;
import io.rill.internal.settle.FailureLedger;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/**
 * {@code handler-timeout} (semantics 7 and 6): a handler call that hangs past it is interrupted and its
 * entry counts as one failure, through the same policy as a throwing handler; the entry's lease is no
 * longer renewed, so the group can take it; the lane goes on; the subscription's lastError says so. A
 * worker that does not come back from the interrupt fails the subscription (semantics 10) instead of
 * stalling its lane forever.
 */
@WithRedis
class HandlerTimeoutTest {

    private final RedisServer server;

    HandlerTimeoutTest(RedisServer server) {
        this.server = server;
    }

    private static SubscriptionOptions.Builder options(String stream, String group, String consumer) {
        return SubscriptionOptions.builder().streams(stream).group(group).consumer(consumer)
                .startPosition(StartPosition.EARLIEST).blockTimeout(Duration.ofMillis(200))
                .janitor(JanitorOptions.builder().enabled(false).build());
    }

    @Test
    void aCallPastHandlerTimeoutIsInterruptedCountsAsOneFailureAndTheLaneGoesOn() throws Exception {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (RedisFixture redis = new RedisFixture(server);
                Rill rill = Rill.builder(redis.client()).meterRegistry(meters).build()) {
            List<String> ids = redis.add(stream, 3);
            Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
            Set<String> handled = ConcurrentHashMap.newKeySet();
            Subscription sub = rill.subscribe(options(stream, group, "c1").handlerTimeout(Duration.ofMillis(300))
                    // one failure dead-letters: the timeout goes through the same policy as a throw
                    .deadLetter(DeadLetterOptions.builder().maxFailures(1).build()).build(), entry -> {
                        calls.computeIfAbsent(entry.id(), k -> new AtomicInteger()).incrementAndGet();
                        if (entry.id().equals(ids.get(0))) {
                            new CountDownLatch(1).await(); // hangs until interrupted
                        }
                        handled.add(entry.id());
                    });
            // concurrency 1: the two entries behind the hung one run once it timed out
            await().atMost(Duration.ofSeconds(20)).until(() -> handled.equals(Set.of(ids.get(1), ids.get(2)))
                    && redis.commands().exists(stream + ":dlq") == 1 && redis.pending(stream, group) == 0);
            List<StreamMessage<String, String>> letters = redis.entries(stream + ":dlq");
            assertEquals(1, letters.size());
            Map<String, String> letter = letters.get(0).getBody();
            assertEquals(ids.get(0), letter.get(DeadLetter.ID));
            assertEquals(HandlerTimeoutException.class.getName(), letter.get(DeadLetter.ERROR));
            assertEquals("1", letter.get(DeadLetter.FAILURES));
            assertEquals(1, calls.get(ids.get(0)).get(), "no attempt in place after a timeout: the worker was not free");
            assertEquals(SubscriptionState.RUNNING, sub.state());
            assertInstanceOf(HandlerTimeoutException.class, sub.lastError().orElseThrow());
            assertTrue(sub.lastError().get().getMessage().contains(ids.get(0)), sub.lastError().get().getMessage());
            assertEquals(1.0, meters.get(SubscriptionMetrics.HANDLER_TIMEOUTS).tag("stream", stream).counter().count());
            assertEquals(1.0, meters.get(SubscriptionMetrics.FAILED).tag("stream", stream).counter().count());
        }
    }

    @Test
    void aTimedOutEntryLosesItsLeaseAndAnotherConsumerTakesItWithTheFailureCounted() throws Exception {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        ReclaimOptions reclaim = ReclaimOptions.builder().interval(Duration.ofMillis(100)).minIdle(Duration.ofMillis(800))
                .leaseRenewalInterval(Duration.ofMillis(100)).build();
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            String id = redis.add(stream, 1).get(0);
            CountDownLatch hung = new CountDownLatch(1);
            AtomicInteger callsOnA = new AtomicInteger();
            // a claims nothing itself: only b may take the entry back
            rill.subscribe(options(stream, group, "a").reclaim(reclaim.toBuilder().enabled(false).build()).handlerTimeout(Duration.ofMillis(400)).build(),
                    entry -> {
                        callsOnA.incrementAndGet();
                        hung.countDown();
                        new CountDownLatch(1).await(); // every call hangs until interrupted
                    });
            hung.await();
            AtomicReference<String> recordSeenByB = new AtomicReference<>();
            AtomicReference<Long> deliveriesSeenByB = new AtomicReference<>();
            rill.subscribe(options(stream, group, "b").reclaim(reclaim).build(), entry -> {
                recordSeenByB.set(redis.commands().hget(FailureLedger.key(stream, group), entry.id()));
                deliveriesSeenByB.set(entry.deliveryCount().orElse(-1));
            });
            // a's lease is no longer renewed after the timeout: b claims the entry once min-idle passed
            await().atMost(Duration.ofSeconds(20)).until(() -> redis.pending(stream, group) == 0 && recordSeenByB.get() != null);
            assertTrue(recordSeenByB.get().startsWith("1 "), "one failure recorded for the timeout: " + recordSeenByB.get());
            assertEquals(2, deliveriesSeenByB.get());
            assertEquals(1, callsOnA.get());
            assertEquals(Set.of(), redis.pendingIds(stream, group), id + " acked by b");
        }
    }

    @Test
    void aWorkerThatDoesNotReturnFromTheInterruptFailsTheSubscription() throws Exception {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        CountDownLatch release = new CountDownLatch(1);
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            redis.add(stream, 2);
            Subscription sub = rill.subscribe(options(stream, group, "c1").handlerTimeout(Duration.ofMillis(200))
                    .shutdownTimeout(Duration.ofMillis(500)).build(), entry -> {
                        while (release.getCount() > 0) {
                            try {
                                release.await();
                            } catch (InterruptedException ignored) {
                                // a handler that swallows every interrupt: its lane would stall forever
                            }
                        }
                    });
            await().atMost(Duration.ofSeconds(30)).until(() -> sub.state() == SubscriptionState.FAILED);
            String message = sub.lastError().orElseThrow().getMessage();
            assertTrue(message.contains("handler-timeout") && message.contains("has not returned"), message);
            assertEquals(2, redis.pending(stream, group), "nothing acked: both entries stay pending for the group");
        } finally {
            release.countDown();
        }
    }
}
