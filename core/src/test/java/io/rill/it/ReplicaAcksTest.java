package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.Backoff;
import io.rill.JanitorOptions;
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
 * replica-acks (semantics 13): an entry counts as acknowledged only once a replica has its XACK. Without a
 * replica the WAIT after the XACK comes back short, the entries stay in flight and the XACK is sent again;
 * once a replica is attached they are released.
 */
class ReplicaAcksTest {

    @Test
    void entriesStayInFlightUntilAReplicaHasTheirAck() {
        try (RedisServer master = RedisServer.startLocal(); RedisServer replica = RedisServer.startLocal();
                RedisFixture redis = new RedisFixture(master); RedisFixture onReplica = new RedisFixture(replica)) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            Set<String> handled = ConcurrentHashMap.newKeySet();
            try (Rill rill = Rill.builder(redis.client()).meterRegistry(registry).build()) {
                Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams("orders").group("billing")
                        .consumer("c1").startPosition(StartPosition.EARLIEST).blockTimeout(Duration.ofMillis(200))
                        .janitor(JanitorOptions.builder().enabled(false).build())
                        .replicaAcks(1).replicaAckTimeout(Duration.ofMillis(50)).build(), entry -> handled.add(entry.id()));
                redis.add("orders", 5);

                await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 5
                        && registry.find("rill.acks.failed").counter() != null
                        && registry.find("rill.acks.failed").counter().count() >= 5);
                assertEquals(5, sub.inFlight(), "no replica has the XACK: the entries are not acknowledged yet");

                onReplica.commands().replicaof(master.host(), master.port());
                await().atMost(Duration.ofSeconds(20)).until(() -> sub.inFlight() == 0);
                assertEquals(0L, redis.pending("orders", "billing"));
                assertEquals(5, handled.size(), "handled once each");
            }
        }
    }

    /**
     * A WAIT holds its connection until the replicas answer: it goes out on a connection of its subscription's
     * own, so a WAIT that waits (no replica, a long replica-ack-timeout) holds no other subscription's XACKs;
     * the subscription's stop closes that connection.
     */
    @Test
    void aWaitingWaitHoldsNoOtherSubscriptionsAcks() {
        try (RedisServer master = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(master)) {
            Set<String> handled = ConcurrentHashMap.newKeySet();
            try (Rill rill = Rill.builder(redis.client()).build()) {
                SubscriptionOptions.Builder options = SubscriptionOptions.builder().group("billing")
                        .startPosition(StartPosition.EARLIEST).blockTimeout(Duration.ofMillis(200))
                        .janitor(JanitorOptions.builder().enabled(false).build());
                Subscription plain = rill.subscribe(options.streams("refunds").consumer("c2").build(),
                        entry -> handled.add(entry.id()));
                List<String> first = redis.add("refunds", 5); // its XACKs open the shared command connection
                await().atMost(Duration.ofSeconds(10)).until(() -> handled.containsAll(first)
                        && redis.pending("refunds", "billing") == 0);
                long clientsBefore = connectedClients(redis);

                Subscription waiting = rill.subscribe(options.streams("orders").consumer("c1").replicaAcks(1)
                        .replicaAckTimeout(Duration.ofSeconds(60)).shutdownTimeout(Duration.ofSeconds(1)).build(),
                        entry -> handled.add(entry.id()));
                List<String> orders = redis.add("orders", 5);
                await().atMost(Duration.ofSeconds(10)).until(() -> handled.containsAll(orders)
                        && redis.commands().clientList().contains("cmd=wait"));

                List<String> refunds = redis.add("refunds", 5);
                await().atMost(Duration.ofSeconds(10)).until(() -> handled.containsAll(refunds)
                        && redis.pending("refunds", "billing") == 0);
                assertEquals(5, waiting.inFlight(), "its WAIT is still waiting for a replica");

                waiting.close(Duration.ofSeconds(1));
                await().atMost(Duration.ofSeconds(10)).until(() -> connectedClients(redis) == clientsBefore);
            }
        }
    }

    private static long connectedClients(RedisFixture redis) {
        String info = redis.commands().info("clients");
        return Long.parseLong(info.lines().filter(line -> line.startsWith("connected_clients:")).findFirst()
                .orElseThrow().substring("connected_clients:".length()).trim());
    }

    record Window(double ackedBeforeFailover, Set<String> acknowledgedBeforeFailover, Set<String> handledTwice,
            List<String> unreplicatedReads) {
    }

    /**
     * Without replica-acks an ack the master confirmed counts at once; if the master dies before the replica
     * got it, the promoted replica hands the entry out again: acknowledged, yet redelivered (the async
     * replication window, semantics 13).
     */
    @Test
    void withoutReplicaAcksAnAcknowledgedEntryCanBeHandedOutAgainAfterAFailover() {
        Window window = failOverWithReplicationHeld(0);
        assertEquals(20.0, window.ackedBeforeFailover(), "every ack counted when the master answered");
        assertEquals(Set.copyOf(window.unreplicatedReads()), window.handledTwice(),
                "the entries read and acked while replication was held came again from the promoted replica");
        assertTrue(window.acknowledgedBeforeFailover().containsAll(window.handledTwice()));
    }

    /**
     * With replica-acks 1 an ack counts only once the replica has it, so nothing acknowledged before the
     * failover is handed out again; the entries whose WAIT came back short were still in flight, and may
     * come again (at-least-once).
     */
    @Test
    void withReplicaAcksNothingAcknowledgedIsHandedOutAgainAfterAFailover() {
        Window window = failOverWithReplicationHeld(1);
        assertEquals(10.0, window.ackedBeforeFailover(), "only the acks the replica confirmed counted");
        Set<String> both = new java.util.HashSet<>(window.handledTwice());
        both.retainAll(window.acknowledgedBeforeFailover());
        assertEquals(Set.of(), both, "acknowledged before the failover and handed out again");
    }

    /**
     * A master, a replica fed through a proxy, and Rill reaching the master through another proxy. Ten
     * entries are handled with replication flowing; ten more are added and replicated, then the replication
     * stream is held while Rill reads, handles and acks them; the master is SIGKILLed, the replica promoted
     * by hand (REPLICAOF NO ONE) and Rill's proxy pointed at it.
     */
    private Window failOverWithReplicationHeld(int replicaAcks) {
        try (RedisServer master = RedisServer.startLocal();
                TcpProxy replicationLink = TcpProxy.start(master.host(), master.port());
                RedisServer replica = RedisServer.startLocal(RedisServerOptions.builder()
                        .extraArgs(List.of("--replicaof", master.host(), String.valueOf(replicationLink.port()))).build());
                TcpProxy front = TcpProxy.start(master.host(), master.port());
                RedisFixture onMaster = new RedisFixture(master); RedisFixture onReplica = new RedisFixture(replica);
                RedisFixture viaFront = new RedisFixture(front.uri())) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            Map<String, Integer> handled = new ConcurrentHashMap<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> onReplica.commands().info("replication")
                    .contains("master_link_status:up"));
            try (Rill rill = Rill.builder(viaFront.client()).meterRegistry(registry).build()) {
                SubscriptionOptions.Builder options = SubscriptionOptions.builder().streams("orders").group("billing")
                        .consumer("c1").startPosition(StartPosition.EARLIEST).blockTimeout(Duration.ofMillis(200))
                        .backoff(Backoff.of(Duration.ofMillis(20), Duration.ofMillis(200)))
                        .janitor(JanitorOptions.builder().enabled(false).build())
                        .replicaAcks(replicaAcks).replicaAckTimeout(Duration.ofMillis(50));
                Subscription sub = rill.subscribe(options.build(), entry -> handled.merge(entry.id(), 1, Integer::sum));
                List<String> first = onMaster.add("orders", 10);
                await().atMost(Duration.ofSeconds(10)).until(() -> handled.keySet().containsAll(first) && sub.inFlight() == 0);

                sub.pause();
                List<String> second = onMaster.add("orders", 10);
                assertEquals(1L, onMaster.commands().waitForReplication(1, 5000), "the entries are on the replica");
                replicationLink.holdReplies(); // from here on the replica gets nothing from the master
                sub.resume();
                await().atMost(Duration.ofSeconds(10)).until(() -> handled.keySet().containsAll(second));
                if (replicaAcks == 0) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> sub.inFlight() == 0);
                } else {
                    await().atMost(Duration.ofSeconds(10)).until(() -> registry.find("rill.acks.failed").counter() != null
                            && registry.find("rill.acks.failed").counter().count() >= 10);
                    assertEquals(10, sub.inFlight(), "acks the replica did not confirm: still in flight");
                }
                double acked = registry.find("rill.entries.acked").counter().count();
                Set<String> acknowledged = new java.util.HashSet<>(first);
                if (replicaAcks == 0) {
                    acknowledged.addAll(second);
                }

                master.kill();
                replicationLink.cut();
                onReplica.commands().replicaofNoOne();
                front.retarget(replica.host(), replica.port());
                front.cut(); // Rill's connections reconnect, now to the promoted replica
                front.restore();
                master.restart(); // empty (no persistence), back as a replica of the promoted one
                try (RedisFixture restarted = new RedisFixture(master)) {
                    restarted.commands().replicaof(replica.host(), replica.port());
                }

                String last = second.getLast();
                await().atMost(Duration.ofSeconds(20)).until(() -> sub.inFlight() == 0
                        && onReplica.pending("orders", "billing") == 0
                        && last.equals(lastDelivered(onReplica, "billing")) && handled.get(last) != null);
                assertEquals(SubscriptionState.RUNNING, sub.state());
                Set<String> twice = new java.util.HashSet<>();
                handled.forEach((id, n) -> {
                    if (n > 1) {
                        twice.add(id);
                    }
                });
                return new Window(acked, acknowledged, twice, second);
            }
        }
    }

    private static String lastDelivered(RedisFixture redis, String group) {
        for (Object g : redis.commands().xinfoGroups("orders")) {
            List<?> fields = (List<?>) g;
            if (group.equals(String.valueOf(fields.get(fields.indexOf("name") + 1)))) {
                return String.valueOf(fields.get(fields.indexOf("last-delivered-id") + 1));
            }
        }
        return null;
    }
}
