package io.rill.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Runs {@link RedisServer#start()} for real: here that means the local binary (no REDIS_URI, no Docker). */
@WithRedis
class RedisExtensionTest {

    private static RedisServer fromBeforeAll;
    private final RedisServer fromConstructor;
    private RedisServer fromBeforeEach;

    RedisExtensionTest(RedisServer server) {
        this.fromConstructor = server;
    }

    @BeforeAll
    static void beforeAll(RedisServer server) {
        fromBeforeAll = server;
    }

    @BeforeEach
    void beforeEach(RedisServer server) {
        fromBeforeEach = server;
    }

    @Test
    void injectsOneWorkingServerPerClass(RedisServer server) {
        assertSame(fromBeforeAll, server);
        assertSame(fromConstructor, server);
        assertSame(fromBeforeEach, server);
        assertTrue(server.isRunning());
        assertEquals("PONG", Lettuce.with(server.uri(), c -> c.ping()));
    }

    @Test
    void theSameServerForEveryTest(RedisServer server) {
        assertSame(fromBeforeAll, server);
    }

    @Nested
    class Inner {
        @Test
        void sharesTheOuterClassServer(RedisServer server) {
            assertSame(fromBeforeAll, server);
        }
    }
}
