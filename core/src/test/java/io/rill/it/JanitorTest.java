package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.lettuce.core.Consumer;
import io.lettuce.core.XReadArgs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.JanitorOptions;
import io.rill.ReclaimOptions;
import io.rill.Rill;
import io.rill.SubscriptionOptions;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/** Dead-consumer cleanup (semantics 6). */
@WithRedis
class JanitorTest {

    private final RedisFixture redis;

    JanitorTest(RedisServer server) {
        this.redis = new RedisFixture(server);
    }

    /** name → pending count of the group's consumers on the stream. */
    private Map<String, Long> consumers(String stream, String group) {
        Map<String, Long> consumers = new HashMap<>();
        for (Object element : redis.commands().xinfoConsumers(stream, group)) {
            List<?> fields = (List<?>) element;
            Map<String, Object> info = new HashMap<>();
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                info.put(String.valueOf(fields.get(i)), fields.get(i + 1));
            }
            consumers.put(String.valueOf(info.get("name")), ((Number) info.get("pending")).longValue());
        }
        return consumers;
    }

    @Test
    void anIdleEmptyConsumerIsDeletedAndAnIdleOneWithPendingEntriesIsKept() throws Exception {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        redis.add(stream, 3);
        redis.commands().xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group);
        // the holder goes quiet first, so whenever the empty one is past the threshold the holder is too
        redis.commands().xreadgroup(Consumer.from(group, "holder"), XReadArgs.Builder.count(3), XReadArgs.StreamOffset.lastConsumed(stream));
        redis.commands().xgroupCreateconsumer(stream, Consumer.from(group, "empty"));
        assertEquals(Map.of("holder", 3L, "empty", 0L), consumers(stream, group));

        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Rill rill = Rill.builder(redis.client()).meterRegistry(meters).build()) {
            rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group).consumer("sweeper")
                    .blockTimeout(Duration.ofMillis(100))
                    .reclaim(ReclaimOptions.builder().enabled(false).build()) // the holder's entries stay where they are
                    .janitor(JanitorOptions.builder().interval(Duration.ofMillis(100)).inactiveThreshold(Duration.ofMillis(500)).build())
                    .build(), entry -> { });
            // the sweeper exists from its first read on; under load the janitor may act before that
            await().atMost(Duration.ofSeconds(10)).until(() -> consumers(stream, group).containsKey("sweeper"));

            await().atMost(Duration.ofSeconds(20)).until(() -> !consumers(stream, group).containsKey("empty"));
            Map<String, Long> left = consumers(stream, group);
            assertEquals(3L, left.get("holder"), "a consumer with pending entries was deleted");
            assertTrue(left.containsKey("sweeper"), "the janitor deleted its own consumer");
            assertEquals(3, redis.pending(stream, group));
            assertEquals(1.0, meters.find(SubscriptionMetrics.CONSUMERS_DELETED).tag("stream", stream).counter().count());
            await().atMost(Duration.ofSeconds(5)).until(() -> RedisFixture.logLines("Deleted consumer 'empty'", group, stream) == 1);
        } finally {
            redis.close();
        }
    }
}
