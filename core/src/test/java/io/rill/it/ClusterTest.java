package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.rill.Backoff;
import io.rill.JanitorOptions;
import io.rill.PartitionedStream;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.testing.RedisCluster;
import io.rill.testing.RedisServer;

/**
 * Redis Cluster (semantics 13): subscriptions read and ack on the master of their streams' slot, a
 * partitioned stream spreads over the masters, and a killed master's replica takes over without a restart
 * of anything (semantics 10). One local cluster of 3 masters and 3 replicas for the class; the failover
 * test runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

    static RedisCluster cluster;
    /** Rill's client: Lettuce's defaults, no topology refresh of its own (Rill refreshes when it reconnects). */
    static RedisClusterClient client;
    /** The test's producer: a client of its own that follows topology changes as a producer should. */
    static RedisClusterClient producerClient;
    static StatefulRedisClusterConnection<String, String> producer;

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.start(3, 1, Duration.ofMillis(500));
        List<RedisURI> seeds = cluster.uris().stream().map(RedisURI::create).toList();
        client = RedisClusterClient.create(seeds);
        producerClient = RedisClusterClient.create(seeds);
        producerClient.setOptions(ClusterClientOptions.builder().topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                .enableAllAdaptiveRefreshTriggers().adaptiveRefreshTriggersTimeout(Duration.ofMillis(100)).build()).build());
        producer = producerClient.connect();
    }

    @AfterAll
    static void stopCluster() {
        if (producer != null) {
            producer.close();
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (producerClient != null) {
            producerClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static SubscriptionOptions.Builder options(String group, String consumer, List<String> streams) {
        return SubscriptionOptions.builder().streams(streams).group(group).consumer(consumer)
                .startPosition(StartPosition.EARLIEST).blockTimeout(Duration.ofMillis(200))
                .backoff(Backoff.of(Duration.ofMillis(50), Duration.ofMillis(500)))
                .janitor(JanitorOptions.builder().enabled(false).build());
    }

    private static RedisAdvancedClusterCommands<String, String> redis() {
        return producer.sync();
    }

    private static long pending(String stream, String group) {
        return redis().xpending(stream, group).getCount();
    }

    @Test
    @Order(1)
    void aStreamWhoseDeadLettersLieInAnotherSlotIsRefusedWithTheFix() {
        try (Rill rill = Rill.create(client)) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> rill.subscribe(
                    options("g", "c1", List.of("plain-orders")).build(), entry -> { }));
            assertTrue(error.getMessage().contains("'plain-orders:dlq'") && error.getMessage().contains("'{plain-orders}'")
                    && error.getMessage().contains("dead-letter.stream"), error.getMessage());
            assertTrue(rill.subscriptions().isEmpty());
        }
    }

    @Test
    @Order(2)
    void aPartitionedStreamOverThreeMastersIsConsumedOnceInKeyOrderByThreeConsumers() {
        PartitionedStream orders = PartitionedStream.of("orders", 6);
        Set<RedisServer> owners = new HashSet<>();
        orders.streams().forEach(p -> owners.add(cluster.masterFor(p)));
        assertEquals(3, owners.size(), "the 6 partitions lie on all 3 masters");

        int keys = 24;
        int perKey = 25;
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        Map<String, List<Integer>> sequence = new ConcurrentHashMap<>(); // key -> seq in handling order
        Map<String, Set<String>> consumersOfKey = new ConcurrentHashMap<>();
        try (Rill rill = Rill.create(client)) {
            List<Subscription> subs = new ArrayList<>();
            for (int member = 0; member < 3; member++) {
                String consumer = "c" + member;
                subs.add(rill.subscribe(options("billing", consumer, orders.streamsOf(member, 3)).build(), entry -> {
                    String key = entry.fields().get("key");
                    handled.computeIfAbsent(entry.stream() + "/" + entry.id(), k -> new AtomicInteger()).incrementAndGet();
                    sequence.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(Integer.parseInt(entry.fields().get("seq")));
                    consumersOfKey.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(consumer);
                }));
            }
            for (int seq = 0; seq < perKey; seq++) {
                for (int k = 0; k < keys; k++) {
                    String key = "customer-" + k;
                    redis().xadd(orders.streamFor(key), Map.of("key", key, "seq", String.valueOf(seq)));
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == keys * perKey
                    && orders.streams().stream().allMatch(p -> pending(p, "billing") == 0));
            subs.forEach(s -> assertEquals(SubscriptionState.RUNNING, s.state(), s.id()));
        }
        assertTrue(handled.values().stream().allMatch(n -> n.get() == 1), "every entry handled once");
        for (int k = 0; k < keys; k++) {
            String key = "customer-" + k;
            List<Integer> expected = new ArrayList<>();
            for (int seq = 0; seq < perKey; seq++) {
                expected.add(seq);
            }
            assertEquals(expected, sequence.get(key), "entries of " + key + " in the order they were added");
            assertEquals(1, consumersOfKey.get(key).size(), key + " handled by one consumer");
        }
        Map<String, Long> perPartition = new HashMap<>();
        orders.streams().forEach(p -> perPartition.put(p, redis().xlen(p)));
        assertTrue(perPartition.values().stream().allMatch(n -> n > 0), "every partition got entries: " + perPartition);
    }

    @Test
    @Order(3)
    void oneSubscriptionOverSeveralSlotsReadsThemAllAndPausesAsOne() {
        PartitionedStream events = PartitionedStream.of("events", 3);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (Rill rill = Rill.create(client)) {
            Subscription sub = rill.subscribe(options("audit", "only", events.streams()).build(),
                    entry -> handled.add(entry.stream() + "/" + entry.fields().get("n")));
            assertEquals(3, rill.subscriptions().size(), "one subscription per slot");
            assertEquals(events.streams(), sub.options().streams());
            for (int n = 0; n < 30; n++) {
                redis().xadd(events.streamFor("k" + n), Map.of("n", String.valueOf(n)));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() == 30);
            sub.pause();
            assertTrue(sub.paused());
            sub.close();
            assertEquals(SubscriptionState.STOPPED, sub.state());
            assertTrue(rill.subscriptions().isEmpty());
        }
    }

    /** Without WAIT: entries added and acks sent just before the kill may be lost or redelivered; nothing is stuck. */
    @Test
    @Order(10)
    void consumptionResumesByItselfAfterTheMasterIsKilled() {
        String stream = "{jobs}";
        RedisServer master = cluster.masterFor(stream);
        RedisServer replica = cluster.replicasOf(master).getFirst();
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        try (Rill rill = Rill.create(client)) {
            Subscription sub = rill.subscribe(options("workers", "w1", List.of(stream)).build(),
                    entry -> handled.computeIfAbsent(entry.fields().get("n"), k -> new AtomicInteger()).incrementAndGet());
            for (int n = 0; n < 50; n++) {
                redis().xadd(stream, Map.of("n", "before-" + n));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() == 50 && pending(stream, "workers") == 0);

            master.kill();
            cluster.awaitHealthy();
            assertEquals(replica, cluster.masterFor(stream));
            producerClient.refreshPartitions(); // the producer's side, not Rill's

            List<String> after = new ArrayList<>();
            for (int n = 0; n < 50; n++) {
                after.add("after-" + n);
                redis().xadd(stream, Map.of("n", "after-" + n));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> handled.keySet().containsAll(after)
                    && pending(stream, "workers") == 0);
            assertEquals(SubscriptionState.RUNNING, sub.state());
            assertNotEquals(master, cluster.masterFor(stream));
        } finally {
            master.restart();
            cluster.awaitHealthy();
        }
    }
}
