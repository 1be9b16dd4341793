package io.rill.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;

import org.junit.jupiter.api.Test;

class RedisClusterTest {

    @Test
    void parsesClusterNodes() {
        List<RedisCluster.Node> nodes = RedisCluster.parseNodes(String.join("\n",
                "a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460 [5461->-b2]",
                "b2 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922 16000",
                "c3 127.0.0.1:7002@17002 slave,fail a1 0 0 1 disconnected", ""));
        assertEquals(3, nodes.size());
        assertTrue(nodes.get(0).myself() && nodes.get(0).master() && nodes.get(0).serves(5460));
        assertFalse(nodes.get(0).serves(5461), "a slot being migrated is not counted as served");
        assertEquals(5462 + 1, nodes.get(1).slotCount());
        assertTrue(nodes.get(1).serves(16000));
        assertTrue(nodes.get(2).failed());
        assertEquals("a1", nodes.get(2).masterId());
        assertEquals(7002, nodes.get(2).port());
    }

    /** One cluster for the whole lifecycle: start, serve, SIGKILL a master, promotion, rejoin. */
    @Test
    void startsServesAndFailsOverAKilledMaster() {
        try (RedisCluster cluster = RedisCluster.start(3, 1, Duration.ofMillis(500))) {
            assertEquals(6, cluster.nodes().size());
            List<RedisServer> masters = cluster.masters();
            assertEquals(3, masters.size());
            Set<RedisServer> replicas = new HashSet<>();
            for (RedisServer master : masters) {
                assertEquals(1, cluster.replicasOf(master).size(), "one replica of " + master);
                replicas.addAll(cluster.replicasOf(master));
            }
            assertEquals(3, replicas.size());

            RedisClusterClient client = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create).toList());
            try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
                for (int i = 0; i < 30; i++) {
                    connection.sync().set("k" + i, "v" + i); // keys over all three masters
                }
                RedisServer owner = cluster.masterFor("k7");
                RedisServer replica = cluster.replicasOf(owner).getFirst();
                // replicated before the kill, so the promoted replica has it
                assertEquals(1L, connection.getConnection(owner.host(), owner.port()).sync().waitForReplication(1, 5000));

                owner.kill();
                cluster.awaitHealthy();

                assertEquals(replica, cluster.masterFor("k7"), "the replica took over the slot");
                assertEquals("v7", io.rill.testing.Lettuce.with(replica.uri(), c -> c.get("k7")));

                owner.restart();
                cluster.awaitHealthy();
                assertEquals(List.of(owner), cluster.replicasOf(replica), "the killed master rejoined as a replica");
                assertNotEquals(owner, cluster.masterFor("k7"));
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }
}
