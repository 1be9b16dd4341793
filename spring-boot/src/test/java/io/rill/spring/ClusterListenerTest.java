package io.rill.spring;

import static io.rill.spring.Contexts.runner;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.rill.PartitionedStream;
import io.rill.testing.RedisCluster;

/**
 * Boot's cluster configuration ({@code spring.data.redis.cluster.nodes}) is what the starter runs on
 * (semantics 13): a listener of a partitioned stream reads every partition, each on its slot's master.
 */
class ClusterListenerTest {

    static final RedisCluster cluster = RedisCluster.start(3, 0, Duration.ofSeconds(1));

    static class Listener {
        final Set<String> handled = ConcurrentHashMap.newKeySet();

        @RedisStreamListener(streams = "clicks", group = "counting", consumer = "c1", startFrom = "earliest")
        void on(@Field("n") String n) {
            handled.add(n);
        }
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aListenerReadsAPartitionedStreamOnTheCluster() {
        String nodes = String.join(",", cluster.nodes().stream().map(n -> n.host() + ":" + n.port()).toList());
        PartitionedStream clicks = PartitionedStream.of("clicks", 4);
        RedisClusterClient producerClient = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create).toList());
        try (StatefulRedisClusterConnection<String, String> producer = producerClient.connect()) {
            runner().withBean(Listener.class).withPropertyValues(
                    "spring.data.redis.cluster.nodes=" + nodes,
                    "rill.fail-fast=true",
                    "rill.consumers.counting.partitions=4",
                    "rill.consumers.counting.block-timeout=200ms").run(context -> {
                assertNull(context.getStartupFailure());
                for (int n = 0; n < 40; n++) {
                    producer.sync().xadd(clicks.streamFor("user-" + n), Map.of("n", String.valueOf(n)));
                }
                Listener listener = context.getBean(Listener.class);
                await().atMost(Duration.ofSeconds(20)).until(() -> listener.handled.size() == 40
                        && clicks.streams().stream().allMatch(p -> producer.sync().xpending(p, "counting").getCount() == 0));
                assertEquals(40, listener.handled.size());
            });
        } finally {
            producerClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
