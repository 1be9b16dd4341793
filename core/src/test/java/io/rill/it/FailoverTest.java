package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.rill.Backoff;
import io.rill.JanitorOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.TcpProxy;

/**
 * Failover seen from a client that keeps its address (semantics 10): the node behind it becomes a replica
 * and another one the master. Connections already open stay on the old node, which answers every write
 * with READONLY; Rill's command connection is recycled on that reply, so acks reach the new master without
 * a restart. An address that keeps leading to a replica fails the subscription with the server's reply.
 */
class FailoverTest {

    private static SubscriptionOptions.Builder options(String stream, String group) {
        return SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                .startPosition(StartPosition.EARLIEST).blockTimeout(Duration.ofMillis(200))
                .backoff(Backoff.of(Duration.ofMillis(20), Duration.ofMillis(100)))
                .janitor(JanitorOptions.builder().enabled(false).build());
    }

    private static boolean inSync(RedisFixture replica) {
        return replica.commands().info("replication").contains("master_link_status:up");
    }

    @Test
    void acksReachTheNewMasterAfterTheOldOneBecameAReplica() throws Exception {
        try (RedisServer a = RedisServer.startLocal(); RedisServer b = RedisServer.startLocal();
                RedisFixture onA = new RedisFixture(a); RedisFixture onB = new RedisFixture(b);
                TcpProxy proxy = TcpProxy.start(a.host(), a.port());
                RedisFixture viaProxy = new RedisFixture(proxy.uri())) {
            String stream = "orders";
            String group = "billing";
            onB.commands().replicaof(a.host(), a.port());
            Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
            List<String> before = onA.add(stream, 10);
            try (Rill rill = Rill.create(viaProxy.client())) {
                Subscription sub = rill.subscribe(options(stream, group).build(),
                        entry -> handled.computeIfAbsent(entry.id(), k -> new AtomicInteger()).incrementAndGet());
                await().atMost(Duration.ofSeconds(20)).until(() -> handled.keySet().containsAll(before)
                        && onA.pending(stream, group) == 0);
                await().atMost(Duration.ofSeconds(20)).until(() -> inSync(onB) && onB.pending(stream, group) == 0);

                // the failover: b promoted, a demoted to its replica, the address now leads to b
                onB.commands().replicaofNoOne();
                onA.commands().replicaof(b.host(), b.port());
                proxy.retarget(b.host(), b.port());
                await().atMost(Duration.ofSeconds(20)).until(() -> inSync(onA));

                List<String> after = onB.add(stream, 10);
                await().atMost(Duration.ofSeconds(30)).until(() -> handled.keySet().containsAll(after)
                        && onB.pending(stream, group) == 0);
                assertEquals(SubscriptionState.RUNNING, sub.state());
                assertTrue(RedisFixture.logLines("WARN", "READONLY", "command connection") >= 1,
                        "the command connection was recycled on READONLY");
            }
        }
    }

    @Test
    void anAddressThatKeepsLeadingToAReplicaFailsTheSubscriptionWithTheReply() throws Exception {
        try (RedisServer master = RedisServer.startLocal(); RedisServer replica = RedisServer.startLocal();
                RedisFixture onMaster = new RedisFixture(master); RedisFixture onReplica = new RedisFixture(replica)) {
            onReplica.commands().replicaof(master.host(), master.port());
            onMaster.add("orders", 3);
            await().atMost(Duration.ofSeconds(20)).until(() -> inSync(onReplica));
            try (Rill rill = Rill.create(onReplica.client())) {
                Subscription sub = rill.subscribe(options("orders", "billing").build(), entry -> {
                });
                await().atMost(Duration.ofSeconds(30)).until(() -> sub.state() == SubscriptionState.FAILED);
                String message = sub.lastError().orElseThrow().getMessage();
                assertTrue(message.contains("READONLY") && message.contains("replica"), message);
            }
        }
    }
}
