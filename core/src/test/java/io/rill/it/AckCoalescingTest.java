package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.rill.JanitorOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.SubscriptionOptions;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.TcpProxy;

/**
 * Acks are batched per stream (semantics 2): a full flush goes out at once, but while an XACK of the
 * stream is still unanswered the next full flushes wait for its answer and go out as one XACK with
 * everything that gathered, so a slow round trip makes XACKs bigger, not more numerous. Nothing is
 * lost on the way: every entry ends acked.
 */
class AckCoalescingTest {

    private static final String STREAM = "orders";
    private static final String GROUP = "billing";

    @Test
    void fullFlushesWaitForTheUnansweredXackAndGoOutAsOne() throws Exception {
        try (RedisServer server = RedisServer.startLocal();
                TcpProxy proxy = TcpProxy.start(server.host(), server.port());
                RedisFixture direct = new RedisFixture(server);
                RedisFixture viaProxy = new RedisFixture(proxy.uri())) {
            direct.add(STREAM, 400);
            CountDownLatch second = new CountDownLatch(1);
            CountDownLatch rest = new CountDownLatch(1);
            AtomicInteger handled = new AtomicInteger();
            SubscriptionOptions options = SubscriptionOptions.builder().streams(STREAM).group(GROUP).consumer("c1")
                    .startPosition(StartPosition.EARLIEST)
                    .batchSize(400).maxInFlight(1000)
                    .ackFlushSize(100).ackFlushInterval(Duration.ofMinutes(1)) // only full flushes (and the stop's) send
                    .blockTimeout(Duration.ofSeconds(30)) // the reader sits in one blocking read: no other traffic
                    .janitor(JanitorOptions.builder().enabled(false).build())
                    .build();
            try (Rill rill = Rill.create(viaProxy.client())) {
                rill.subscribe(options, entry -> {
                    int n = handled.incrementAndGet();
                    if (n == 101) {
                        second.await();
                    } else if (n == 201) {
                        rest.await();
                    }
                });
                // the first 100: one XACK, answered
                await().atMost(Duration.ofSeconds(10)).until(() -> direct.pending(STREAM, GROUP) == 300);
                assertEquals(1, direct.calls("xack"));

                // the next 100: their XACK is held on its way to Redis, unanswered (the handler waits in entry 201)
                proxy.holdRequests();
                second.countDown();
                await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 201 && proxy.held() > 0);

                // 200 more acks: two full flushes, which wait for the held XACK's answer
                rest.countDown();
                await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 400);
                proxy.release();

                await().atMost(Duration.ofSeconds(10)).until(() -> direct.pending(STREAM, GROUP) == 0);
                assertEquals(3, direct.calls("xack"), "the two flushes that waited went out as one XACK");
            }
            assertEquals(400, handled.get());
        }
    }

    /**
     * A worker gathers the successes of a batch before they join the acks, but the interval flush takes them
     * from it: successes before a handler call that blocks are acked within ack-flush-interval, not after it.
     */
    @Test
    void successesBeforeABlockingHandlerCallGoWithTheIntervalFlush() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            redis.add(STREAM, 10);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger handled = new AtomicInteger();
            SubscriptionOptions options = SubscriptionOptions.builder().streams(STREAM).group(GROUP).consumer("c1")
                    .startPosition(StartPosition.EARLIEST)
                    .batchSize(10) // one read, one unit of work for the worker
                    .ackFlushSize(100).ackFlushInterval(Duration.ofMillis(100)) // never full: only the interval sends
                    .janitor(JanitorOptions.builder().enabled(false).build())
                    .build();
            try (Rill rill = Rill.create(redis.client())) {
                rill.subscribe(options, entry -> {
                    if (handled.incrementAndGet() == 5) {
                        release.await();
                    }
                });
                // entries 1 to 4 succeeded; 5 to 10 are still in the worker's hands
                await().atMost(Duration.ofSeconds(10)).until(() -> redis.pending(STREAM, GROUP) == 6);
                assertEquals(5, handled.get(), "the handler is still blocked in entry 5");

                release.countDown();
                await().atMost(Duration.ofSeconds(10)).until(() -> redis.pending(STREAM, GROUP) == 0);
            }
            assertEquals(10, handled.get());
        }
    }

    /** A hand-set window too small for a full read and two ack flushes is named at start; derived ones never are. */
    @Test
    void aWindowTooSmallForAReadAndTwoAckFlushesIsNamedOnceAtStart() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server);
                Rill rill = Rill.create(redis.client())) {
            SubscriptionOptions.Builder options = SubscriptionOptions.builder().streams(STREAM).group(GROUP)
                    .janitor(JanitorOptions.builder().enabled(false).build());
            rill.subscribe(options.consumer("derived").batchSize(500).build(), entry -> { });
            rill.subscribe(options.consumer("tight").batchSize(100).maxInFlight(250).ackFlushSize(100).build(), entry -> { });
            await().atMost(Duration.ofSeconds(10)).until(() -> RedisFixture.logLines("WARN", "tight",
                    "max-in-flight 250 holds less than one full read (batch-size 100 for each of 1 stream keys) plus "
                            + "two ack flushes (ack-flush-size 100 each)", "at least 300") == 1);
            assertEquals(0, RedisFixture.logLines("WARN", "billing/derived/", "max-in-flight"),
                    "derived values hold a read and two flushes");
        }
    }
}
