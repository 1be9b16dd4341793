package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.XReadArgs;
import io.rill.ReclaimOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/** Subscription.pause() stops reading but finishes in-flight work; resume() reads again. */
@WithRedis
class PauseResumeTest {

    private final RedisFixture redis;
    private final Rill rill;

    PauseResumeTest(RedisServer server) {
        this.redis = new RedisFixture(server);
        this.rill = Rill.create(redis.client());
    }

    @AfterEach
    void stop() {
        rill.close(Duration.ofSeconds(5));
        redis.close();
    }

    @Test
    void pauseStopsReadingKeepsInFlightWorkAndResumeReadsAgain() throws Exception {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        Set<String> handled = ConcurrentHashMap.newKeySet();
        CountDownLatch release = new CountDownLatch(1);
        SubscriptionOptions options = SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                .startPosition(StartPosition.EARLIEST)
                .blockTimeout(Duration.ofSeconds(30)) // a pause must not wait for a read's BLOCK to end
                .build();
        Subscription sub = rill.subscribe(options, entry -> {
            if (entry.field("n").equals("0") && handled.isEmpty()) {
                release.await(); // in flight while we pause
            }
            handled.add(entry.id());
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.RUNNING);
        redis.add(stream, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.inFlight() == 1);

        sub.pause();
        assertTrue(sub.paused());
        // pause() returned: the blocked read (BLOCK 30 s) was cut short and no read will follow
        assertFalse(redis.readerBlocked());
        long reads = redis.xreadgroupCalls();
        redis.add(stream, 5);

        release.countDown(); // the in-flight entry is still handled and acked while paused
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 1 && redis.pending(stream, group) == 0);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 1);
        assertEquals(reads, redis.xreadgroupCalls(), "a paused subscription made a read");
        assertEquals(SubscriptionState.RUNNING, sub.state());

        sub.resume();
        assertFalse(sub.paused());
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 6 && redis.pending(stream, group) == 0);
    }

    /**
     * Semantics 3: reading starts with the consumer's own pending list, after a resume too. Entries
     * handed to this consumer name while it was paused (here by a plain XREADGROUP under its name, as an
     * operator's XCLAIM would) are handled on resume, before new entries. The claimer is off, so nothing but the resume's history read can find them.
     */
    @Test
    void resumeReadsTheOwnPendingListBeforeNewEntries() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        List<String> order = new CopyOnWriteArrayList<>();
        Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                .startPosition(StartPosition.EARLIEST).reclaim(ReclaimOptions.builder().enabled(false).build())
                .build(), entry -> order.add(entry.id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.RUNNING);
        sub.pause();

        List<String> owned = redis.add(stream, 3);
        redis.commands().xreadgroup(io.lettuce.core.Consumer.from(group, "c1"), XReadArgs.Builder.count(3),
                XReadArgs.StreamOffset.lastConsumed(stream));
        assertEquals(Set.copyOf(owned), redis.pendingIds(stream, group, "c1"));
        List<String> fresh = redis.add(stream, 2);

        sub.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> order.size() == 5 && redis.pending(stream, group) == 0);
        List<String> expected = new ArrayList<>(owned);
        expected.addAll(fresh);
        assertEquals(expected, order, "the own pending entries were not handled first after resume()");
    }

    /**
     * close() of a paused subscription must end its reader (parked by the pause, not in a read) and its
     * workers within the close timeout, with no read left blocked on the server. The read's BLOCK (30 s)
     * is longer than the close timeout, so a stop that waited for it would leave the reader running.
     */
    @Test
    void aPausedSubscriptionStopsPromptly() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        String threads = "rill-" + group + "-c1-";
        Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                .concurrency(2).blockTimeout(Duration.ofSeconds(30)).build(), entry -> { });
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.RUNNING && redis.readerBlocked());
        // what the checks below must find gone is there now
        assertEquals(Set.of(threads + "reader", threads + "worker-0", threads + "worker-1"), liveThreads(threads));

        sub.pause();
        sub.close(Duration.ofSeconds(5));

        assertEquals(Set.of(), liveThreads(threads), "threads of the subscription still running after close()");
        assertFalse(redis.readerBlocked(), "a read is still blocked in XREADGROUP after close()");
    }

    /** Names of the live threads whose name starts with {@code prefix}. */
    private static Set<String> liveThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix))
                .map(Thread::getName).collect(Collectors.toSet());
    }
}
