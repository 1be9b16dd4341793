package io.rill.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class RedisSentinelTest {

    @Test
    void aKilledMasterIsReplacedAndTheSentinelUriFollows() {
        try (RedisSentinel setup = RedisSentinel.start(1, 3, Duration.ofMillis(500))) { // quorum 2 of 3
            RedisServer master = setup.master();
            assertEquals(setup.dataNodes().getFirst(), master);
            assertTrue(setup.uri().startsWith("redis-sentinel://127.0.0.1:") && setup.uri().endsWith("#mymaster"));
            Lettuce.with(setup.uri(), c -> {
                c.set("k", "before");
                return c.waitForReplication(1, 5000); // on the replica before the kill
            });

            master.kill();
            RedisServer promoted = setup.awaitFailover(master);

            assertNotEquals(master, promoted);
            assertEquals(setup.dataNodes().get(1), promoted);
            assertEquals("before", Lettuce.with(setup.uri(), c -> c.get("k")), "the Sentinel URI leads to the new master");
            Lettuce.with(setup.uri(), c -> c.set("k", "after")); // and it takes writes

            master.restart(); // comes back, and the Sentinel turns it into a replica of the new master
            assertEquals(promoted, setup.master());
        }
    }
}
