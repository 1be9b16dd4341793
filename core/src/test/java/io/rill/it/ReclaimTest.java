package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XTrimArgs;
import io.lettuce.core.models.stream.PendingMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.JanitorOptions;
import io.rill.ReclaimOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

/**
 * Reclaim and lease renewal (semantics 6): a dead consumer's entries are taken over, a large
 * PEL is scanned to its end, a slow handler on a live consumer keeps its entry, trimmed entries are
 * acked and counted without a handler call.
 */
class ReclaimTest {

    private static SubscriptionOptions.Builder options(String stream, String group, String consumer, ReclaimOptions reclaim) {
        return SubscriptionOptions.builder().streams(stream).group(group).consumer(consumer)
                .startPosition(StartPosition.EARLIEST)
                .blockTimeout(Duration.ofMillis(100))
                .reclaim(reclaim)
                .janitor(JanitorOptions.builder().enabled(false).build());
    }

    /** Renewal at a fifth of min-idle (the default is a third) leaves a wide margin, even on a loaded machine. */
    private static ReclaimOptions reclaim(Duration minIdle) {
        return ReclaimOptions.builder().interval(Duration.ofMillis(100)).minIdle(minIdle)
                .leaseRenewalInterval(minIdle.dividedBy(5)).build();
    }

    private static double count(SimpleMeterRegistry meters, String name, String consumer) {
        var counter = meters.find(name).tag("consumer", consumer).counter();
        return counter == null ? 0 : counter.count();
    }

    private static List<PendingMessage> pendingOf(RedisFixture redis, String stream, String group, String consumer) {
        return redis.commands().xpending(stream, Consumer.from(group, consumer), Range.create("-", "+"), Limit.from(100_000));
    }

    @Test
    void aConsumerThatDiesWithoutAckingHasAllItsEntriesReclaimedByAnother() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            String stream = "orders";
            String group = "billing";
            List<String> ids = redis.add(stream, 1_000);
            ReclaimOptions reclaim = reclaim(Duration.ofMillis(500));

            // consumer a reads all 1,000 entries and never finishes one
            Rill a = Rill.create(redis.client());
            CountDownLatch never = new CountDownLatch(1);
            a.subscribe(options(stream, group, "a", reclaim).batchSize(500).maxInFlight(1_000).build(), entry -> never.await());
            // the subscription creates the group as it starts: until then XPENDING fails with NOGROUP
            await().atMost(Duration.ofSeconds(20)).until(() -> redis.groups(stream).contains(group)
                    && pendingOf(redis, stream, group, "a").size() == 1_000);

            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            Map<String, Long> handledByB = new ConcurrentHashMap<>();
            AtomicInteger calls = new AtomicInteger();
            AtomicInteger mostInFlight = new AtomicInteger();
            AtomicReference<Subscription> subB = new AtomicReference<>();
            try (Rill b = Rill.builder(redis.client()).meterRegistry(meters).build()) {
                // claims obey max-in-flight like reads: 1,000 entries through a window of 100
                subB.set(b.subscribe(options(stream, group, "b", reclaim).maxInFlight(100).build(), entry -> {
                    calls.incrementAndGet();
                    handledByB.put(entry.id(), entry.deliveryCount().orElse(-1));
                    Subscription self = subB.get();
                    mostInFlight.accumulateAndGet(self == null ? 0 : self.inFlight(), Math::max);
                }));
                a.close(Duration.ZERO); // dies: its handlers are interrupted, nothing acked, its leases lapse

                await().atMost(Duration.ofSeconds(60)).until(() -> handledByB.size() == 1_000 && redis.pending(stream, group) == 0);
                assertEquals(1_000, calls.get(), "an entry was handled twice");
                assertTrue(mostInFlight.get() <= 100, "in flight: " + mostInFlight.get());
                assertEquals(Set.copyOf(ids), handledByB.keySet());
                // delivered once to a, then claimed by b
                assertTrue(handledByB.values().stream().allMatch(n -> n == 2), "delivery counts: " + Set.copyOf(handledByB.values()));
                await().atMost(Duration.ofSeconds(10)).until(() -> count(meters, SubscriptionMetrics.ACKED, "b") == 1_000);
                assertEquals(1_000, count(meters, SubscriptionMetrics.CLAIMED, "b"));
            }
        }
    }

    @Test
    void aPelOf5000IsReclaimedWithCount50PastAHeadOfLiveEntries() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            String stream = "orders";
            String group = "billing";
            Duration minIdle = Duration.ofSeconds(2);
            // a live consumer holds the first 600 entries of the PEL and keeps them fresh: more than one
            // XAUTOCLAIM COUNT 50 examines (500), so only a carried cursor ever gets past them
            List<String> head = redis.add(stream, 600);
            CountDownLatch finish = new CountDownLatch(1);
            try (Rill alive = Rill.create(redis.client())) {
                alive.subscribe(options(stream, group, "alive", ReclaimOptions.builder().enabled(false).minIdle(minIdle)
                        .leaseRenewalInterval(Duration.ofMillis(100)).build()).batchSize(600).maxInFlight(600).build(),
                        entry -> finish.await());
                await().atMost(Duration.ofSeconds(20)).until(() -> redis.groups(stream).contains(group)
                        && pendingOf(redis, stream, group, "alive").size() == 600);

                // then a dead consumer's 5,000
                List<String> tail = redis.add(stream, 5_000);
                assertEquals(5_000, redis.commands().xreadgroup(Consumer.from(group, "dead"), XReadArgs.Builder.count(5_000),
                        XReadArgs.StreamOffset.lastConsumed(stream)).size());

                long claimsBefore = redis.calls("xautoclaim");
                Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
                try (Rill b = Rill.create(redis.client())) {
                    b.subscribe(options(stream, group, "b", ReclaimOptions.builder().interval(Duration.ofMillis(100))
                            .minIdle(minIdle).count(50).build()).build(),
                            entry -> handled.computeIfAbsent(entry.id(), k -> new AtomicInteger()).incrementAndGet());

                    await().atMost(Duration.ofSeconds(90)).until(() -> handled.size() == 5_000 && redis.pending(stream, group) == 600);
                    assertEquals(Set.copyOf(tail), handled.keySet());
                    assertTrue(handled.values().stream().allMatch(n -> n.get() == 1), "an entry was handled twice");
                    long claims = redis.calls("xautoclaim") - claimsBefore;
                    assertTrue(claims >= 100, "5,000 entries in " + claims + " XAUTOCLAIMs of COUNT 50?");

                    // the live consumer's entries were never taken
                    List<PendingMessage> kept = pendingOf(redis, stream, group, "alive");
                    assertEquals(head, kept.stream().map(PendingMessage::getId).toList());
                    assertTrue(kept.stream().allMatch(p -> p.getRedeliveryCount() == 1), "a live consumer's entry was claimed");
                    finish.countDown();
                    await().atMost(Duration.ofSeconds(30)).until(() -> redis.pending(stream, group) == 0);
                }
            } finally {
                finish.countDown();
            }
        }
    }

    @Test
    void aHandlerTakingThreeTimesMinIdleOnALiveConsumerKeepsItsEntry() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            String stream = "orders";
            String group = "billing";
            Duration minIdle = Duration.ofMillis(1_500);
            ReclaimOptions reclaim = reclaim(minIdle);
            String id = redis.add(stream, 1).get(0);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            AtomicInteger callsOnA = new AtomicInteger();
            AtomicInteger callsOnB = new AtomicInteger();
            AtomicLong startedAt = new AtomicLong();
            try (Rill rill = Rill.builder(redis.client()).meterRegistry(meters).build()) {
                rill.subscribe(options(stream, group, "a", reclaim).build(), entry -> {
                    callsOnA.incrementAndGet();
                    startedAt.set(System.nanoTime());
                    started.countDown();
                    finish.await(); // the slow handler: it ends when the test says so
                });
                started.await();
                rill.subscribe(options(stream, group, "b", reclaim).build(), entry -> callsOnB.incrementAndGet());

                // let three min-idle periods pass while b keeps trying to reclaim
                long claimsBefore = redis.calls("xautoclaim");
                await().atMost(Duration.ofSeconds(30)).until(() -> System.nanoTime() - startedAt.get() > minIdle.toNanos() * 3
                        && redis.calls("xautoclaim") - claimsBefore >= 10);

                List<PendingMessage> pending = pendingOf(redis, stream, group, "a");
                assertEquals(1, pending.size());
                assertEquals(id, pending.get(0).getId());
                assertEquals(1, pending.get(0).getRedeliveryCount(), "the entry was claimed from a live consumer");
                assertTrue(count(meters, SubscriptionMetrics.LEASES_RENEWED, "a") >= 3, "no lease renewals");

                finish.countDown();
                await().atMost(Duration.ofSeconds(10)).until(() -> redis.pending(stream, group) == 0);
                assertEquals(1, callsOnA.get());
                assertEquals(0, callsOnB.get());
                await().atMost(Duration.ofSeconds(10)).until(() -> count(meters, SubscriptionMetrics.ACKED, "a") == 1);
                assertEquals(0, count(meters, SubscriptionMetrics.CLAIMED, "b"));
            }
        }
    }

    @Test
    void entriesTrimmedUnderADeadConsumersPelAreCountedAndNeverHandled() {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            String stream = "orders";
            String group = "billing";
            List<String> ids = redis.add(stream, 100);
            redis.commands().xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group);
            redis.commands().xreadgroup(Consumer.from(group, "ghost"), XReadArgs.Builder.count(100), XReadArgs.StreamOffset.lastConsumed(stream));
            assertEquals(60, redis.commands().xtrim(stream, XTrimArgs.Builder.maxlen(40)));
            assertEquals(100, redis.pending(stream, group));

            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            Set<String> handled = ConcurrentHashMap.newKeySet();
            try (Rill rill = Rill.builder(redis.client()).meterRegistry(meters).build()) {
                rill.subscribe(options(stream, group, "b", reclaim(Duration.ofMillis(200))).build(), entry -> handled.add(entry.id()));
                await().atMost(Duration.ofSeconds(30)).until(() -> redis.pending(stream, group) == 0 && handled.size() == 40);
                assertEquals(Set.copyOf(ids.subList(60, 100)), handled);
                assertEquals(60, count(meters, SubscriptionMetrics.TRIMMED, "b"));
                assertEquals(40, count(meters, SubscriptionMetrics.CLAIMED, "b"));
            }
        }
    }

    @Test
    void entriesTrimmedUnderTheOwnPelAreAckedCountedAndNeverHandled() {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            String stream = "orders";
            String group = "billing";
            List<String> ids = redis.add(stream, 50);
            redis.commands().xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group);
            // this consumer read 30 before it went down; then they were trimmed
            redis.commands().xreadgroup(Consumer.from(group, "c1"), XReadArgs.Builder.count(30), XReadArgs.StreamOffset.lastConsumed(stream));
            assertEquals(30, redis.commands().xtrim(stream, XTrimArgs.Builder.maxlen(20)));

            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            Set<String> handled = ConcurrentHashMap.newKeySet();
            try (Rill rill = Rill.builder(redis.client()).meterRegistry(meters).build()) {
                rill.subscribe(options(stream, group, "c1", ReclaimOptions.builder().enabled(false).build()).build(),
                        entry -> handled.add(entry.id()));
                await().atMost(Duration.ofSeconds(30)).until(() -> redis.pending(stream, group) == 0 && handled.size() == 20);
                assertEquals(Set.copyOf(ids.subList(30, 50)), handled);
                await().atMost(Duration.ofSeconds(10)).until(() -> count(meters, SubscriptionMetrics.ACKED, "c1") == 50);
                assertEquals(30, count(meters, SubscriptionMetrics.TRIMMED, "c1"));
            }
        }
    }
}
