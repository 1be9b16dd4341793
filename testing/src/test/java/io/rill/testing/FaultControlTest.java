package io.rill.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class FaultControlTest {

    private static final RedisServerOptions AOF = RedisServerOptions.builder().appendOnly(true).build();

    @Test
    void killThenRestartKeepsAcknowledgedWritesAndThePort() {
        try (RedisServer server = RedisServer.startLocal(AOF)) {
            int port = server.port();
            Lettuce.with(server.uri(), c -> {
                c.set("greeting", "hello");
                for (int i = 0; i < 100; i++) {
                    c.xadd("orders", Map.of("n", String.valueOf(i)));
                }
                return null;
            });

            server.kill();
            assertFalse(server.isRunning());
            assertThrows(IOException.class, () -> Resp.call("127.0.0.1", port, Duration.ofMillis(500), "PING"));

            server.restart();
            assertTrue(server.isRunning());
            assertEquals(port, server.port());
            assertEquals("hello", Lettuce.with(server.uri(), c -> c.get("greeting")));
            long length = Lettuce.with(server.uri(), c -> c.xlen("orders"));
            assertEquals(100L, length);
        }
    }

    @Test
    void stopIsGracefulAndRestartOfARunningServerWorks() {
        try (RedisServer server = RedisServer.startLocal(AOF)) {
            Lettuce.with(server.uri(), c -> c.set("k", "1"));
            server.stop();
            assertFalse(server.isRunning());
            server.restart();
            Lettuce.with(server.uri(), c -> c.incr("k"));
            server.restart(); // while running: stops it first
            assertEquals("2", Lettuce.with(server.uri(), c -> c.get("k")));
        }
    }

    @Test
    void withoutAofAKillLosesTheData() {
        try (RedisServer server = RedisServer.startLocal()) {
            Lettuce.with(server.uri(), c -> c.set("k", "v"));
            server.kill();
            server.restart();
            long keys = Lettuce.with(server.uri(), c -> c.dbsize());
            assertEquals(0L, keys);
        }
    }
}
