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
import io.rill.docs.ScaleOutGuide;
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
        PartitionedStream orders = ScaleOutGuide.ORDERS;
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
                subs.add(ScaleOutGuide.readAShare(rill, member, 3, entry -> {
                    String key = entry.fields().get("customerId");
                    handled.computeIfAbsent(entry.stream() + "/" + entry.id(), k -> new AtomicInteger()).incrementAndGet();
                    sequence.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(Integer.parseInt(entry.fields().get("amount")));
                    consumersOfKey.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(consumer);
                }));
            }
            // the groups start at $: publish once every slot's subscription is reading
            await().atMost(Duration.ofSeconds(20)).until(() -> subs.stream().allMatch(s -> s.state() == SubscriptionState.RUNNING));
            for (int seq = 0; seq < perKey; seq++) {
                for (int k = 0; k < keys; k++) {
                    ScaleOutGuide.publish(redis(), "customer-" + k, String.valueOf(seq));
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
        PartitionedStream orders = ScaleOutGuide.ORDERS;
        Set<String> handled = ConcurrentHashMap.newKeySet();
        RedisClusterClient guideClient = ScaleOutGuide.overACluster(cluster.uris());
        try (Rill rill = Rill.create(guideClient)) {
            // the partitions option: the logical stream's name, read as its partitions (a group of its own here)
            Subscription sub = ScaleOutGuide.readEveryPartition(rill, entry -> handled.add(entry.id()));
            assertEquals(6, rill.subscriptions().size(), "one subscription per slot");
            assertEquals(List.of("orders"), sub.options().streams());
            assertEquals(orders.streams(), sub.options().streamKeys());
            await().atMost(Duration.ofSeconds(20)).until(() -> sub.state() == SubscriptionState.RUNNING);
            Set<String> added = new HashSet<>();
            for (int n = 0; n < 30; n++) {
                added.add(ScaleOutGuide.publish(redis(), "k" + n, "1.00"));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> handled.containsAll(added));
            sub.pause();
            assertTrue(sub.paused());
            sub.close();
            assertEquals(SubscriptionState.STOPPED, sub.state());
            assertTrue(rill.subscriptions().isEmpty());
        } finally {
            guideClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /**
     * Transactional outputs (semantics 12) over a cluster client: streams of one hash tag commit on the
     * master of their slot, once per input; an output in another slot is refused at subscribe naming the
     * keys and the hash-tag fix (Rill knows it runs on a cluster: no probe needed to find out).
     */
    @Test
    @Order(4)
    void outputsCommitOnTheSlotsMasterAndCrossSlotOutputsAreRefused() {
        try (Rill rill = Rill.create(client)) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> rill.subscribeWithOutputs(
                    options("g", "c1", List.of("{billing}:orders")).build(), Set.of("invoices"), entry -> List.of()));
            assertTrue(error.getMessage().contains("invoices") && error.getMessage().contains("{billing}:orders"),
                    error.getMessage());
            assertTrue(rill.subscriptions().isEmpty());

            List<String> ids = new ArrayList<>();
            for (int n = 0; n < 200; n++) {
                ids.add(redis().xadd("{billing}:orders", Map.of("n", Integer.toString(n))));
            }
            rill.subscribeWithOutputs(options("g", "c1", List.of("{billing}:orders")).build(), Set.of("{billing}:invoices"),
                    entry -> List.of(io.rill.Output.to("{billing}:invoices").field("in", entry.id()).build()));
            await().atMost(Duration.ofSeconds(30)).until(() -> redis().xlen("{billing}:invoices") >= ids.size()
                    && pending("{billing}:orders", "g") == 0);
            List<String> written = redis().xrange("{billing}:invoices", io.lettuce.core.Range.create("-", "+")).stream()
                    .map(m -> m.getBody().get("in")).toList();
            assertEquals(ids, written, "one output per input, in input order");
        }
    }

    /**
     * A manual failover (CLUSTER FAILOVER on the replica): the old master stays up as a replica, so the
     * connections Rill holds to it stay open and get MOVED (or, for the blocked read, UNBLOCKED); the
     * command connection is recycled, the read reconnects after a topology refresh, and consumption goes on
     * on the new master.
     */
    @Test
    @Order(9)
    void aSlotThatMovesToAnotherMasterIsFollowed() {
        String stream = "{moved}";
        RedisServer master = cluster.masterFor(stream);
        RedisServer replica = cluster.replicasOf(master).getFirst();
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (Rill rill = Rill.create(client)) {
            Subscription sub = rill.subscribe(options("movers", "m1", List.of(stream)).build(),
                    entry -> handled.add(entry.fields().get("n")));
            for (int n = 0; n < 20; n++) {
                redis().xadd(stream, Map.of("n", "before-" + n));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() == 20 && pending(stream, "movers") == 0);

            io.lettuce.core.RedisClient direct = io.lettuce.core.RedisClient.create(replica.uri());
            try (var toReplica = direct.connect()) {
                assertEquals("OK", toReplica.sync().clusterFailover(false));
            } finally {
                direct.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> replica.equals(cluster.masterFor(stream)));
            cluster.awaitHealthy();
            assertTrue(master.isRunning(), "the old master is a replica now, its connections open");
            producerClient.refreshPartitions(); // the producer's side, not Rill's

            for (int n = 0; n < 20; n++) {
                redis().xadd(stream, Map.of("n", "after-" + n));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 40 && pending(stream, "movers") == 0);
            assertEquals(SubscriptionState.RUNNING, sub.state());
        }
    }

    /**
     * Without replica-acks (Redis replicates asynchronously): an XACK the master answered just before the
     * SIGKILL may not have reached the replica, and the promoted replica then hands its entry out again;
     * an entry added just before may be gone. Counted and logged, not asserted: the window is short on one
     * host. What is asserted: consumption resumes by itself.
     */
    @Test
    @Order(10)
    void withoutReplicaAcksConsumptionResumesAfterTheMasterIsKilled() throws Exception {
        Outcome outcome = killTheMasterUnderLoad("{jobs}", 0);
        System.out.printf("failover without replica-acks: %d added, %d handled, %d handled again, %d lost%n",
                outcome.added, outcome.handled, outcome.redelivered, outcome.lost);
    }

    /**
     * With replica-acks 1: an entry whose ack counted is on the replica too, so the failover never hands it
     * out again. Entries in flight at the kill may come again (at-least-once); ReplicaAcksTest holds the
     * replication stream to show the difference deterministically.
     */
    @Test
    @Order(11)
    void withReplicaAcksNothingAcknowledgedIsHandedOutAgainAfterTheMasterIsKilled() throws Exception {
        Outcome outcome = killTheMasterUnderLoad("{waited}", 1);
        System.out.printf("failover with replica-acks 1: %d added, %d handled, %d handled again, %d lost%n",
                outcome.added, outcome.handled, outcome.redelivered, outcome.lost);
        assertEquals(Set.of(), outcome.acknowledgedAndRedelivered(), "acknowledged before the kill, handed out again");
    }

    /** {@code acknowledgedAndRedelivered}: of the entries acknowledged (none in flight) shortly before the kill, those handled again. */
    record Outcome(int added, int handled, int redelivered, int lost, Set<String> acknowledgedAndRedelivered) {
    }

    /**
     * Adds entries without pause while the subscription consumes them, SIGKILLs the stream's master once a
     * share is handled, goes on adding through the failover, brings the killed node back (as a replica of
     * the promoted one: until then the promoted master has no replica, and acks waiting for one stay in
     * flight), and waits until everything the new master has is handled and acknowledged.
     */
    private Outcome killTheMasterUnderLoad(String stream, int replicaAcks) throws Exception {
        RedisServer master = cluster.masterFor(stream);
        RedisServer replica = cluster.replicasOf(master).getFirst();
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        Set<String> added = ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicBoolean producing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicBoolean paused = new java.util.concurrent.atomic.AtomicBoolean();
        try (Rill rill = Rill.create(client)) {
            SubscriptionOptions.Builder builder = options("workers", "w1", List.of(stream));
            Subscription sub = rill.subscribe(replicaAcks == 0 ? builder.build() : ScaleOutGuide.waitForAReplica(builder),
                    entry -> handled.computeIfAbsent(entry.fields().get("n"), k -> new AtomicInteger()).incrementAndGet());
            Thread producerThread = Thread.ofPlatform().name("cluster-test-producer").start(() -> {
                for (int n = 0; producing.get(); n++) {
                    while (paused.get() && producing.get()) {
                        Thread.onSpinWait();
                    }
                    try {
                        producer.async().xadd(stream, Map.of("n", String.valueOf(n))).get(2, java.util.concurrent.TimeUnit.SECONDS);
                        added.add(String.valueOf(n));
                    } catch (Exception e) {
                        // the master is gone: this entry may or may not exist; the next ones go to the new master
                    }
                }
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() >= 300);
            // a moment with nothing in flight: everything handled so far is acknowledged
            paused.set(true);
            await().atMost(Duration.ofSeconds(20)).until(() -> sub.inFlight() == 0);
            Set<String> acknowledged = new HashSet<>(handled.keySet());
            paused.set(false);
            int handledBefore = handled.size();
            await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() >= handledBefore + 200);

            master.kill();
            cluster.awaitHealthy();
            assertEquals(replica, cluster.masterFor(stream));
            producerClient.refreshPartitions(); // the producer's side, not Rill's
            int before = added.size();
            await().atMost(Duration.ofSeconds(30)).until(() -> added.size() >= before + 300);
            producing.set(false);
            producerThread.join();
            // back as a replica of the promoted node: with replica-acks 1 acks wait for a replica to come back
            master.restart();
            cluster.awaitHealthy();

            Set<String> onNewMaster = new HashSet<>();
            redis().xrange(stream, io.lettuce.core.Range.create("-", "+")).forEach(m -> onNewMaster.add(m.getBody().get("n")));
            await().atMost(Duration.ofSeconds(30)).until(() -> handled.keySet().containsAll(onNewMaster)
                    && pending(stream, "workers") == 0);
            assertEquals(SubscriptionState.RUNNING, sub.state());
            int redelivered = (int) handled.values().stream().filter(n -> n.get() > 1).count();
            int lost = (int) added.stream().filter(n -> !onNewMaster.contains(n) && !handled.containsKey(n)).count();
            Set<String> acknowledgedAndRedelivered = new HashSet<>();
            acknowledged.forEach(n -> {
                if (handled.get(n).get() > 1) {
                    acknowledgedAndRedelivered.add(n);
                }
            });
            return new Outcome(added.size(), handled.size(), redelivered, lost, acknowledgedAndRedelivered);
        } finally {
            producing.set(false);
            if (!master.isRunning()) {
                master.restart();
            }
            cluster.awaitHealthy();
        }
    }
}
