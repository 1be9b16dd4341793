package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.JanitorOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

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
}
