package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageHeader;
import io.rill.PartitionedStream;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.testing.RedisCluster;

/**
 * micronaut-redis's cluster client ({@code redis.uris}) is what listeners run on (semantics 13): a listener
 * of a partitioned stream reads every partition, each on its slot's master.
 */
class ClusterTest {

    static final String SPEC = "ClusterTest";
    static final RedisCluster cluster = RedisCluster.start(3, 0, Duration.ofSeconds(1));

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "counting", consumer = "c1")
    static class ClickListener {
        final Set<String> seen = ConcurrentHashMap.newKeySet();

        @Stream("clicks")
        void on(@MessageHeader("n") String n) {
            seen.add(n);
        }
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aListenerReadsAPartitionedStreamOnTheClusterOfRedisUris() {
        PartitionedStream clicks = PartitionedStream.of("clicks", 4);
        RedisClusterClient producerClient = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create).toList());
        try (ApplicationContext context = ApplicationContext.run(Map.of(
                "spec.name", SPEC,
                "redis.uris", String.join(",", cluster.uris()),
                "rill.fail-fast", "true",
                "rill.consumers.counting.partitions", "4",
                "rill.consumers.counting.start-position", "earliest",
                "rill.consumers.counting.block-timeout", "200ms"));
                StatefulRedisClusterConnection<String, String> producer = producerClient.connect()) {
            assertTrue(context.getBean(RedisClusterClient.class) != null);
            for (int n = 0; n < 40; n++) {
                producer.sync().xadd(clicks.streamFor("user-" + n), Map.of("n", String.valueOf(n)));
            }
            ClickListener listener = context.getBean(ClickListener.class);
            await().atMost(Duration.ofSeconds(20)).until(() -> listener.seen.size() == 40
                    && clicks.streams().stream().allMatch(p -> producer.sync().xpending(p, "counting").getCount() == 0));
            assertEquals(40, listener.seen.size());
        } finally {
            producerClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
