package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.TcpProxy;
import io.rill.testing.WithRedis;

/**
 * Semantics 11: a stop is a stop. Once {@code close()} returned, no handler call of the subscription
 * starts, whatever its handlers do with the interrupt at the deadline, and what was not handled stays
 * pending: neither acked nor counted as a failure. And {@code close()} returns within shutdown-timeout,
 * whether Redis answers or not.
 */
@WithRedis
class StopTest {

    private final RedisServer server;

    StopTest(RedisServer server) {
        this.server = server;
    }

    @Test
    void handlersThatSwallowOrWrapTheInterruptRunNoMoreAfterCloseAndSettleNothing() throws Exception {
        for (boolean wrap : new boolean[] { false, true }) {
            String stream = RedisFixture.unique("orders");
            String group = RedisFixture.unique("g");
            try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
                redis.add(stream, 20);
                AtomicInteger calls = new AtomicInteger();
                CountDownLatch entered = new CountDownLatch(1);
                Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                        .startPosition(StartPosition.EARLIEST).build(), entry -> {
                            calls.incrementAndGet();
                            entered.countDown();
                            try {
                                new CountDownLatch(1).await(); // until interrupted
                            } catch (InterruptedException e) {
                                if (wrap) {
                                    throw new IllegalStateException("wrapped", e); // the interrupt flag is cleared
                                }
                                // swallowed: the handler returns as if it had succeeded
                            }
                        });
                entered.await();
                sub.close(Duration.ofMillis(100));
                assertEquals(SubscriptionState.STOPPED, sub.state());
                int after = calls.get();
                assertEquals(1, after, "one call was under way at the deadline");
                // no further call starts: the worker had 19 more entries queued
                await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> calls.get() == after);
                assertEquals(20, redis.pending(stream, group), "nothing settled after the deadline (wrap=" + wrap + ")");
                assertEquals(0, redis.commands().exists(stream + ":dlq"));
                assertEquals(0, redis.commands().exists(io.rill.internal.settle.FailureLedger.key(stream, group)),
                        "an interrupt at the deadline is not a failure");
            }
        }
    }

    /**
     * The acks a stop flushes at the end are confirmed before {@code close()} returns, even when a
     * handler used the stop's time up to its deadline: part of shutdown-timeout is kept for them. Redis
     * is reached through a proxy that delays every reply, so an ack that is sent but not awaited is still
     * pending when {@code close()} returns.
     */
    @Test
    void acksFlushedAtTheEndOfAStopAreConfirmedWhenCloseReturns() throws Exception {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        try (TcpProxy proxy = TcpProxy.start(server.host(), server.port());
                RedisFixture direct = new RedisFixture(server);
                RedisFixture viaProxy = new RedisFixture(proxy.uri());
                Rill rill = Rill.create(viaProxy.client())) {
            List<String> ids = direct.add(stream, 2);
            CountDownLatch fastDone = new CountDownLatch(1);
            Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                    .startPosition(StartPosition.EARLIEST).concurrency(2)
                    .ackFlushSize(100).ackFlushInterval(Duration.ofMinutes(1)) // only the stop flushes
                    .build(), entry -> {
                        if (entry.id().equals(ids.get(0))) {
                            fastDone.countDown();
                            return;
                        }
                        new CountDownLatch(1).await(); // the slow one: until the stop interrupts it
                    });
            fastDone.await();
            proxy.latency(Duration.ofMillis(150));
            sub.close(Duration.ofSeconds(3));
            assertEquals(Set.of(ids.get(1)), direct.pendingIds(stream, group),
                    "the handled entry is acked when close() returns; the interrupted one stays pending");
        }
    }

    /**
     * {@code close()} honours shutdown-timeout when Redis stops answering mid-stop (requests held by a
     * proxy, as in a network partition): it neither waits for a connect (Lettuce's timeout is a minute)
     * nor for acks Redis never confirms. The bound is shutdown-timeout plus 2 s, a
     * guarantee of the stop's upper limit, not a speed measurement.
     */
    @Test
    void closeReturnsWithinShutdownTimeoutWhenRedisStopsAnswering() throws Exception {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        Duration shutdownTimeout = Duration.ofSeconds(2);
        try (TcpProxy proxy = TcpProxy.start(server.host(), server.port());
                RedisFixture direct = new RedisFixture(server);
                RedisFixture viaProxy = new RedisFixture(proxy.uri())) {
            Rill rill = Rill.create(viaProxy.client());
            List<String> ids = direct.add(stream, 2);
            CountDownLatch fastDone = new CountDownLatch(1);
            Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                    .startPosition(StartPosition.EARLIEST).concurrency(2)
                    .ackFlushSize(100).ackFlushInterval(Duration.ofMinutes(1)) // the stop's flush is the first XACK
                    .shutdownTimeout(shutdownTimeout).build(), entry -> {
                        if (entry.id().equals(ids.get(0))) {
                            fastDone.countDown();
                            return;
                        }
                        new CountDownLatch(1).await(); // until the stop interrupts it
                    });
            fastDone.await();
            proxy.holdRequests(); // from here Redis gets nothing: connects hang in the handshake, commands go unanswered
            try {
                long started = System.nanoTime();
                assertTimeoutPreemptively(shutdownTimeout.plusSeconds(2), () -> sub.close());
                assertEquals(SubscriptionState.STOPPED, sub.state());
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                assertTrue(took.compareTo(shutdownTimeout.plusSeconds(2)) < 0, "close() took " + took);
                assertTimeoutPreemptively(Duration.ofSeconds(2), () -> rill.close());
                // checked before the proxy lets the held bytes through: the stop's XACK may still arrive then
                assertEquals(Set.copyOf(ids), direct.pendingIds(stream, group), "acks Redis never got: both stay pending");
            } finally {
                proxy.release();
            }
        }
    }
}
