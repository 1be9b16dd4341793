package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

/** Redis killed and restarted, and the connection cut and restored, under a running subscription (semantics 3, 10). */
class RecoveryTest {

    private static SubscriptionOptions options(String stream, String group) {
        return SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                .startPosition(StartPosition.EARLIEST)
                .blockTimeout(Duration.ofMillis(500))
                .backoff(Backoff.of(Duration.ofMillis(50), Duration.ofMillis(500)))
                .build();
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
                Subscription sub = rill.subscribe(options(stream, group), entry -> {
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
                Subscription sub = rill.subscribe(options(stream, group),
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
}
