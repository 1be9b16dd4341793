package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.rill.Backoff;
import io.rill.JanitorOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.docs.ScaleOutGuide;
import io.rill.testing.RedisSentinel;
import io.rill.testing.RedisServer;

/**
 * Sentinel (semantics 13, 10): over a {@code redis-sentinel://} URI Lettuce asks the Sentinels where the
 * master is on every connect; after the master is SIGKILLed and a replica promoted, the read and command
 * connections reach the new master and consumption resumes without a restart.
 */
class SentinelFailoverTest {

    @Test
    void consumptionFollowsTheNewMasterAfterAFailover() {
        try (RedisSentinel setup = RedisSentinel.start(1, 1, Duration.ofMillis(500))) {
            RedisClient client = ScaleOutGuide.overSentinel(setup.uri());
            RedisClient producerClient = RedisClient.create(setup.uri());
            try (StatefulRedisConnection<String, String> producer = producerClient.connect();
                    Rill rill = Rill.create(client)) {
                String stream = "orders";
                Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
                Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group("billing")
                                .consumer("c1").startPosition(StartPosition.EARLIEST).blockTimeout(Duration.ofMillis(200))
                                .backoff(Backoff.of(Duration.ofMillis(50), Duration.ofMillis(500)))
                                .janitor(JanitorOptions.builder().enabled(false).build()).build(),
                        entry -> handled.computeIfAbsent(entry.fields().get("n"), k -> new AtomicInteger()).incrementAndGet());
                for (int n = 0; n < 20; n++) {
                    producer.sync().xadd(stream, Map.of("n", "before-" + n));
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() == 20
                        && producer.sync().xpending(stream, "billing").getCount() == 0);
                producer.sync().waitForReplication(1, 5000); // the group's state is on the replica too

                RedisServer old = setup.master();
                old.kill();
                RedisServer promoted = setup.awaitFailover(old);
                assertNotEquals(old, promoted);

                List<String> after = new ArrayList<>();
                for (int n = 0; n < 20; n++) {
                    after.add("after-" + n);
                    producer.sync().xadd(stream, Map.of("n", "after-" + n)); // the producer reconnects through the Sentinel too
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> handled.keySet().containsAll(after)
                        && producer.sync().xpending(stream, "billing").getCount() == 0);
                assertEquals(SubscriptionState.RUNNING, sub.state());
                assertEquals(40, handled.size());
                assertEquals(List.of(), handled.entrySet().stream().filter(e -> e.getValue().get() != 1)
                        .map(Map.Entry::getKey).toList(), "acked and replicated before the kill: none handled again");
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                producerClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }
}
