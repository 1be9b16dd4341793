package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.Rill;
import io.rill.StreamEntry;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.StartPosition;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/** The read → dispatch → ack pipeline against a real Redis (semantics 1, 2, 8, 9). */
@WithRedis
class PipelineTest {

    private final String uri;
    private final RedisFixture redis;
    private Rill rill;
    private SimpleMeterRegistry meters;

    PipelineTest(RedisServer server) {
        this.uri = server.uri();
        this.redis = new RedisFixture(server);
    }

    @BeforeEach
    void startRill() {
        meters = new SimpleMeterRegistry();
        rill = Rill.builder(redis.client()).meterRegistry(meters).build();
    }

    @AfterEach
    void stop() {
        rill.close(Duration.ofSeconds(5));
        redis.close();
    }

    private static SubscriptionOptions.Builder options(String group, String... streams) {
        return SubscriptionOptions.builder().streams(streams).group(group).consumer("c1")
                .startPosition(StartPosition.EARLIEST);
    }

    @Test
    void everyEntryOfTwoStreamsIsHandledAndAckedOnce() {
        String a = RedisFixture.unique("orders");
        String b = RedisFixture.unique("payments");
        String group = RedisFixture.unique("g");
        redis.add(a, 25_000);
        redis.add(b, 25_000);
        Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();

        rill.subscribe(options(group, a, b).batchSize(500).build(),
                entry -> seen.computeIfAbsent(entry.stream() + "/" + entry.id(), k -> new AtomicInteger()).incrementAndGet());

        await().atMost(Duration.ofSeconds(60)).until(() -> redis.pending(a, group) == 0 && redis.pending(b, group) == 0
                && seen.size() == 50_000);
        assertEquals(50_000, seen.size());
        assertTrue(seen.values().stream().allMatch(n -> n.get() == 1), "an entry was handled twice");
        await().atMost(Duration.ofSeconds(10)).until(() -> acked(a) + acked(b) == 50_000);
        assertEquals(0, redis.pending(a, group));
        assertEquals(0, redis.pending(b, group));
    }

    private double acked(String stream) {
        var counter = meters.find(SubscriptionMetrics.ACKED).tag("stream", stream).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void orderingKeyKeepsEachKeyInStreamOrderAndRunsKeysInParallel() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        int keys = 16;
        int perKey = 200;
        for (int i = 0; i < perKey; i++) {
            for (int k = 0; k < keys; k++) {
                redis.commands().xadd(stream, Map.of("customer", "c" + k, "seq", Integer.toString(i)));
            }
        }
        Map<String, List<Integer>> order = new ConcurrentHashMap<>();
        // the first key to start waits for a second one; that one can only come from another lane,
        // so the wait ends only if two keys really run at the same time
        CountDownLatch twoKeys = new CountDownLatch(2);
        Set<String> met = ConcurrentHashMap.newKeySet();
        AtomicInteger keysMet = new AtomicInteger();

        rill.subscribe(options(group, stream).concurrency(8).orderingKey("customer").build(), entry -> {
            String key = entry.field("customer");
            boolean entering;
            synchronized (met) { // exactly the first two keys enter: checking and adding in two steps let a third in
                entering = met.size() < 2 && met.add(key);
            }
            if (entering) {
                twoKeys.countDown();
                if (twoKeys.await(20, TimeUnit.SECONDS)) {
                    keysMet.incrementAndGet();
                }
            }
            order.computeIfAbsent(key, k -> Collections.synchronizedList(new ArrayList<>()))
                    .add(Integer.parseInt(entry.field("seq")));
        });

        await().atMost(Duration.ofSeconds(60)).until(() -> redis.pending(stream, group) == 0
                && order.values().stream().mapToInt(List::size).sum() == keys * perKey);
        for (Map.Entry<String, List<Integer>> e : order.entrySet()) {
            List<Integer> seqs = e.getValue();
            for (int i = 0; i < seqs.size(); i++) {
                assertEquals(i, seqs.get(i), "key " + e.getKey() + " out of stream order at " + i);
            }
        }
        assertEquals(keys, order.size());
        assertEquals(2, keysMet.get(), "two keys were never handled at the same time");
    }

    @Test
    void maxInFlightIsNeverExceededWithASlowHandlerAndADeepBacklog() {
        String stream = RedisFixture.unique("backlog");
        String group = RedisFixture.unique("g");
        redis.add(stream, 2_000);
        int maxInFlight = 40;
        AtomicLong mostPending = new AtomicLong();
        AtomicInteger handled = new AtomicInteger();
        RedisFixture observer = new RedisFixture(uri);
        try {
            rill.subscribe(options(group, stream).concurrency(4).batchSize(25).maxInFlight(maxInFlight)
                    .ackFlushSize(10).build(), entry -> {
                        // read-but-unacked entries are exactly this consumer's pending list in Redis
                        long pending = observer.commands().xpending(stream, group).getCount();
                        mostPending.accumulateAndGet(pending, Math::max);
                        handled.incrementAndGet();
                    });
            await().atMost(Duration.ofSeconds(90)).until(() -> redis.pending(stream, group) == 0 && handled.get() == 2_000);
        } finally {
            observer.close();
        }
        assertTrue(mostPending.get() <= maxInFlight, "pending reached " + mostPending.get() + " > " + maxInFlight);
        assertTrue(mostPending.get() > 1, "the window was never used");
    }

    @Test
    void aThrowingHandlerLeavesItsEntryPendingAndTheSubscriptionRunning() {
        String stream = RedisFixture.unique("poison");
        String group = RedisFixture.unique("g");
        List<String> ids = redis.add(stream, 100);
        String poison = ids.get(37);
        Set<String> handled = ConcurrentHashMap.newKeySet();

        Subscription sub = rill.subscribe(options(group, stream).build(), entry -> {
            if (entry.id().equals(poison)) {
                throw new IllegalStateException("cannot bill this one");
            }
            handled.add(entry.id());
        });

        await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 99 && redis.pending(stream, group) == 1);
        redis.add(stream, 10);
        await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 109);
        assertEquals(SubscriptionState.RUNNING, sub.state());
        List<String> stillPending = redis.commands().xpending(stream, group, io.lettuce.core.Range.create("-", "+"),
                io.lettuce.core.Limit.from(10)).stream().map(p -> p.getId()).toList();
        assertEquals(List.of(poison), stillPending);
        assertEquals(1.0, meters.find(SubscriptionMetrics.FAILED).tag("stream", stream).counter().count());
    }

    @Test
    void gracefulCloseFinishesInFlightHandlersAndFlushesTheirAcks() throws Exception {
        String stream = RedisFixture.unique("close");
        String group = RedisFixture.unique("g");
        redis.add(stream, 8);
        CountDownLatch allStarted = new CountDownLatch(8);
        CountDownLatch release = new CountDownLatch(1);
        Set<String> finished = ConcurrentHashMap.newKeySet();

        Subscription sub = rill.subscribe(options(group, stream).concurrency(8).ackFlushInterval(Duration.ofMinutes(5))
                .ackFlushSize(1000).shutdownTimeout(Duration.ofSeconds(20)).build(), entry -> {
                    allStarted.countDown();
                    release.await();
                    finished.add(entry.id());
                });
        assertTrue(allStarted.await(30, TimeUnit.SECONDS));

        Thread closer = Thread.ofPlatform().start(sub::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.STOPPING);
        redis.add(stream, 5); // must not be read any more
        release.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(30));

        assertEquals(SubscriptionState.STOPPED, sub.state());
        assertEquals(8, finished.size());
        // the acks were only ever flushed by the close: interval and size triggers are out of reach
        assertEquals(0, redis.pending(stream, group));
        assertEquals(5, undelivered(stream, group), "entries were read after the close began");
    }

    /** Entries of the stream never delivered to any consumer of the group. */
    private long undelivered(String stream, String group) {
        List<StreamMessage<String, String>> rest = redis.commands().xreadgroup(io.lettuce.core.Consumer.from(group, "probe"),
                XReadArgs.Builder.count(100), XReadArgs.StreamOffset.lastConsumed(stream));
        return rest.size();
    }

    @Test
    void batchesOf500MultiFieldEntriesDecodeExactlyAsWritten() {
        String stream = RedisFixture.unique("decode");
        String group = RedisFixture.unique("g");
        List<Map<String, String>> written = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1_500; i++) {
            Map<String, String> body = new LinkedHashMap<>();
            body.put("z-first", "value-" + i);
            body.put("a-second", "ünïcødé " + i);
            body.put("empty", "");
            body.put("n", Integer.toString(i));
            body.put("spaces and = signs", "x=" + (i * 7));
            written.add(body);
            ids.add(redis.commands().xadd(stream, body));
        }
        List<StreamEntry> received = Collections.synchronizedList(new ArrayList<>());
        List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());

        rill.subscribeBatch(options(group, stream).batchSize(500).maxInFlight(500).build(), entries -> {
            batchSizes.add(entries.size());
            received.addAll(entries);
        });

        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1_500);
        assertTrue(batchSizes.contains(500), "no read returned 500 entries: " + batchSizes);
        for (int i = 0; i < 1_500; i++) {
            StreamEntry entry = received.get(i);
            assertEquals(ids.get(i), entry.id());
            assertEquals(stream, entry.stream());
            assertEquals(new ArrayList<>(written.get(i).entrySet()), new ArrayList<>(entry.fields().entrySet()),
                    "fields of entry " + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.pending(stream, group) == 0);
    }

    @Test
    void batchHandlerCanFailSomeEntriesAndAckTheRest() {
        String stream = RedisFixture.unique("partial");
        String group = RedisFixture.unique("g");
        List<String> ids = redis.add(stream, 50);
        Set<String> bad = Set.of(ids.get(3), ids.get(40));
        Map<String, Integer> calls = new HashMap<>();

        rill.subscribeBatch(options(group, stream).batchSize(50).build(), entries -> {
            Map<StreamEntry, Throwable> failures = new LinkedHashMap<>();
            for (StreamEntry e : entries) {
                synchronized (calls) {
                    calls.merge(e.id(), 1, Integer::sum);
                }
                if (bad.contains(e.id())) {
                    failures.put(e, new IllegalArgumentException("bad " + e.id()));
                }
            }
            if (!failures.isEmpty()) {
                throw io.rill.PartialBatchFailure.of(failures);
            }
        });

        await().atMost(Duration.ofSeconds(30)).until(() -> redis.pending(stream, group) == 2);
        synchronized (calls) {
            assertEquals(50, calls.size());
        }
        List<String> pending = redis.commands().xpending(stream, group, io.lettuce.core.Range.create("-", "+"),
                io.lettuce.core.Limit.from(10)).stream().map(p -> p.getId()).sorted().toList();
        assertEquals(bad.stream().sorted().toList(), pending);
        assertFalse(pending.contains(ids.get(0)));
    }
}
