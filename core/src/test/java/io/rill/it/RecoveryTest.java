package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.rill.Backoff;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.RedisServerOptions;
import io.rill.testing.TcpProxy;

/**
 * Redis killed and restarted, and the connection cut and restored, under a running subscription (semantics 3, 10),
 * also while no read is in Redis because the worker holds the next one.
 */
class RecoveryTest {

    private static SubscriptionOptions.Builder options(String stream, String group) {
        return SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                .startPosition(StartPosition.EARLIEST)
                .blockTimeout(Duration.ofMillis(500))
                .backoff(Backoff.of(Duration.ofMillis(50), Duration.ofMillis(500)));
    }

    @Test
    void redisKilledAndRestartedWithAofMidStream() throws Exception {
        try (RedisServer server = RedisServer.startLocal(RedisServerOptions.builder().appendOnly(true).build());
                RedisFixture redis = new RedisFixture(server)) {
            String stream = "orders";
            String group = "billing";
            Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
            redis.add(stream, 2_000);
            try (Rill rill = Rill.create(redis.client())) {
                Subscription sub = rill.subscribe(options(stream, group).build(), entry -> {
                    handled.computeIfAbsent(entry.id(), k -> new AtomicInteger()).incrementAndGet();
                    if (handled.size() == 1_000) {
                        server.kill(); // mid-stream: the rest of the backlog, and acks, are still to come
                    }
                });
                await().atMost(Duration.ofSeconds(30)).until(() -> sub.state() == SubscriptionState.RECOVERING);
                assertTrue(sub.lastError().isPresent());

                server.restart();
                await().atMost(Duration.ofSeconds(60)).until(() -> sub.state() == SubscriptionState.RUNNING);
                try (RedisFixture after = new RedisFixture(server)) {
                    after.add(stream, 500);
                    await().atMost(Duration.ofSeconds(60))
                            .until(() -> handled.size() == 2_500 && after.pending(stream, group) == 0);
                    assertEquals(2_500, after.commands().xlen(stream));
                }
            }
        }
    }

    @Test
    void connectionCutAndRestoredThroughAProxy() throws Exception {
        try (RedisServer server = RedisServer.startLocal();
                TcpProxy proxy = TcpProxy.start(server.host(), server.port());
                RedisFixture direct = new RedisFixture(server);
                RedisFixture viaProxy = new RedisFixture(proxy.uri())) {
            String stream = "orders";
            String group = "billing";
            Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
            direct.add(stream, 1_000);
            try (Rill rill = Rill.create(viaProxy.client())) {
                Subscription sub = rill.subscribe(options(stream, group).build(),
                        entry -> handled.computeIfAbsent(entry.id(), k -> new AtomicInteger()).incrementAndGet());
                await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 1_000 && direct.pending(stream, group) == 0);

                proxy.cut();
                await().atMost(Duration.ofSeconds(30)).until(() -> sub.state() == SubscriptionState.RECOVERING);
                direct.add(stream, 1_000); // written while the consumer can't reach Redis

                proxy.restore();
                await().atMost(Duration.ofSeconds(60)).until(() -> sub.state() == SubscriptionState.RUNNING);
                direct.add(stream, 1_000);
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> handled.size() == 3_000 && direct.pending(stream, group) == 0);
                assertTrue(handled.values().stream().allMatch(n -> n.get() == 1), "an entry was handled twice");
            }
        }
    }

    /**
     * An entry that came alone after the read had waited in Redis goes to the idle worker with the next read, which
     * the worker sends after its handler. A cut while that handler runs finds no read in Redis to fail, yet the
     * subscription learns of it, recovers and reads on, and the entry is handled once. The read timeout (block-timeout
     * 30 s plus a margin) is far beyond the test's wait: only the lost connection can end the held read.
     */
    @Test
    void connectionCutWhileTheHandlerHoldsTheNextRead() throws Exception {
        try (RedisServer server = RedisServer.startLocal();
                TcpProxy proxy = TcpProxy.start(server.host(), server.port());
                RedisFixture direct = new RedisFixture(server);
                RedisFixture viaProxy = new RedisFixture(proxy.uri())) {
            String stream = "orders";
            String group = "billing";
            Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            try (Rill rill = Rill.create(viaProxy.client())) {
                Subscription sub = rill.subscribe(options(stream, group).blockTimeout(Duration.ofSeconds(30)).build(), entry -> {
                    handled.computeIfAbsent(entry.id(), k -> new AtomicInteger()).incrementAndGet();
                    entered.countDown();
                    release.await();
                });
                // a read that has waited in Redis for a second or more: the entry's reply is a slow read's
                await().atMost(Duration.ofSeconds(30)).until(() -> readerBlockedForASecond(direct));
                String first = direct.add(stream, "n", "1");
                await().atMost(Duration.ofSeconds(30)).until(() -> entered.getCount() == 0);
                assertFalse(direct.readerBlocked(), "a read is in Redis while the handler runs: the worker holds none");

                Instant before = sub.stateSince();
                proxy.cut();
                proxy.restore();
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> sub.stateSince().isAfter(before) && sub.state() == SubscriptionState.RUNNING);
                release.countDown();
                String second = direct.add(stream, "n", "2");
                await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 2 && direct.pending(stream, group) == 0);
                assertEquals(Set.of(first, second), handled.keySet());
                assertTrue(handled.values().stream().allMatch(n -> n.get() == 1), "an entry was handled twice");
            }
        }
    }

    /** True when a client of the server has been blocked in XREADGROUP for at least a second ({@code idle} counts seconds). */
    private static boolean readerBlockedForASecond(RedisFixture redis) {
        for (String line : redis.commands().clientList().split("\n")) {
            if (line.contains("cmd=xreadgroup") && line.matches(".*flags=\\S*b.*") && !line.contains(" idle=0 ")) {
                return true;
            }
        }
        return false;
    }
}
