package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.Range;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.Acknowledgement;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.StreamEntry;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/** Manual acknowledgement: an entry stays in flight until ack or nack, which may come after the handler returned. */
@WithRedis
class ManualAckTest {

    private final RedisFixture redis;
    private Rill rill;
    private SimpleMeterRegistry meters;

    ManualAckTest(RedisServer server) {
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

    private static SubscriptionOptions.Builder options(String stream, String group) {
        return SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                .startPosition(StartPosition.EARLIEST).blockTimeout(Duration.ofMillis(200));
    }

    @Test
    void entriesStayInFlightUntilSettledAfterTheHandlerReturned() throws Exception {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        List<String> ids = redis.add(stream, 10);
        BlockingQueue<Map.Entry<StreamEntry, Acknowledgement>> handedOver = new LinkedBlockingQueue<>();

        Subscription sub = rill.subscribeManual(options(stream, group).build(),
                (entry, ack) -> handedOver.add(Map.entry(entry, ack)));

        // the handler returns at once; nothing is settled yet, so all ten stay in flight and pending
        await().atMost(Duration.ofSeconds(10)).until(() -> handedOver.size() == 10);
        assertEquals(10, sub.inFlight());
        assertEquals(Set.copyOf(ids), redis.pendingIds(stream, group));

        // ack the even ones and nack the odd ones, from this (another) thread
        for (int i = 0; i < 10; i++) {
            Map.Entry<StreamEntry, Acknowledgement> e = handedOver.poll(1, TimeUnit.SECONDS);
            int n = Integer.parseInt(e.getKey().field("n"));
            if (n % 2 == 0) {
                assertTrue(e.getValue().ack());
                assertFalse(e.getValue().nack(), "the first settlement counts");
            } else {
                assertTrue(e.getValue().nack(new IllegalStateException("not now")));
                assertFalse(e.getValue().ack(), "a nacked entry can't be acked afterwards");
            }
            assertTrue(e.getValue().settled());
        }
        Set<String> odd = Set.of(ids.get(1), ids.get(3), ids.get(5), ids.get(7), ids.get(9));
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.pendingIds(stream, group).equals(odd) && sub.inFlight() == 0);
        assertEquals(5.0, meters.get(SubscriptionMetrics.ACKED).counter().count());
        assertEquals(5.0, meters.get(SubscriptionMetrics.FAILED).counter().count());
    }

    @Test
    void aHandlerThatThrowsBeforeSettlingFailsTheEntryAndOneThatThrowsAfterAckKeepsTheAck() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        List<String> ids = redis.add(stream, 2);

        rill.subscribeManual(options(stream, group).build(), (entry, ack) -> {
            if (entry.field("n").equals("1")) {
                ack.ack();
            }
            throw new IllegalStateException("boom " + entry.field("n"));
        });

        // the subscription creates the group as it starts: until then XPENDING fails with NOGROUP
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.groups(stream).contains(group)
                && redis.pendingIds(stream, group).equals(Set.of(ids.get(0))));
        assertEquals(1.0, meters.get(SubscriptionMetrics.ACKED).counter().count());
    }

    @Test
    void maxInFlightCountsUnsettledEntries() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        redis.add(stream, 50);
        BlockingQueue<Acknowledgement> acks = new LinkedBlockingQueue<>();

        Subscription sub = rill.subscribeManual(options(stream, group).maxInFlight(20).batchSize(20).build(),
                (entry, ack) -> acks.add(ack));

        await().atMost(Duration.ofSeconds(10)).until(() -> acks.size() == 20);
        // the window is full of unsettled entries: no more are read, however long we wait for a read
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5)).until(() -> acks.size() == 20);
        assertEquals(20, sub.inFlight());

        // settling frees the window; everything ends acked
        Thread settler = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < 50; i++) {
                    acks.take().ack();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.pending(stream, group) == 0 && !settler.isAlive());
    }

    @Test
    void aBatchIsSettledTogether() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        redis.add(stream, 30);
        BlockingQueue<Map.Entry<List<StreamEntry>, Acknowledgement>> batches = new LinkedBlockingQueue<>();

        rill.subscribeBatchManual(options(stream, group).batchSize(10).build(),
                (entries, ack) -> batches.add(Map.entry(entries, ack)));

        await().atMost(Duration.ofSeconds(10)).until(() -> batches.stream().mapToInt(b -> b.getKey().size()).sum() == 30);
        Set<String> nacked = ConcurrentHashMap.newKeySet();
        boolean first = true;
        for (Map.Entry<List<StreamEntry>, Acknowledgement> batch : batches) {
            if (first) {
                batch.getValue().nack();
                batch.getKey().forEach(e -> nacked.add(e.id()));
                first = false;
            } else {
                batch.getValue().ack();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.pendingIds(stream, group).equals(nacked));
    }

    @Test
    void aNackIsAFailureAndDeadLettersTheEntryAtMaxFailures() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        List<String> ids = redis.add(stream, 3);
        String poison = ids.get(1);
        Set<String> acked = ConcurrentHashMap.newKeySet();

        rill.subscribeManual(options(stream, group)
                .deadLetter(io.rill.DeadLetterOptions.builder().maxFailures(1).build()).build(), (entry, ack) -> {
                    if (entry.id().equals(poison)) {
                        ack.nack(new IllegalStateException("refused by the test"));
                    } else {
                        acked.add(entry.id());
                        ack.ack();
                    }
                });

        String dlq = stream + ":dlq";
        await().atMost(Duration.ofSeconds(20)).until(() -> redis.commands().xlen(dlq) == 1 && redis.pending(stream, group) == 0);
        Map<String, String> dead = redis.commands().xrange(dlq, Range.create("-", "+")).get(0).getBody();
        assertEquals(poison, dead.get(io.rill.deadletter.DeadLetter.ID));
        assertEquals(IllegalStateException.class.getName(), dead.get(io.rill.deadletter.DeadLetter.ERROR));
        assertEquals("failed", dead.get(io.rill.deadletter.DeadLetter.REASON));
        assertEquals("1", dead.get(io.rill.deadletter.DeadLetter.FAILURES));
        assertEquals(Set.of(ids.get(0), ids.get(2)), acked);
    }
}
