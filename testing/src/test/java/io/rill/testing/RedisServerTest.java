package io.rill.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisServerTest {

    @Test
    void localServerStartsAndAnswers() {
        try (RedisServer server = RedisServer.startLocal()) {
            assertTrue(server.isLocalProcess());
            assertTrue(server.isRunning());
            assertEquals("127.0.0.1", server.host());
            assertEquals("redis://127.0.0.1:" + server.port(), server.uri());
            assertEquals("PONG", Lettuce.with(server.uri(), c -> c.ping()));
            assertTrue(server.version().matches("\\d+\\.\\d+\\.\\d+"), server.version());
            // persistence as configured on the command line, not from some redis.conf
            assertEquals("", Lettuce.with(server.uri(), c -> c.configGet("save")).get("save"));
        }
    }

    @Test
    void twoServersGetTheirOwnPortsAndDirs() {
        try (RedisServer first = RedisServer.startLocal(); RedisServer second = RedisServer.startLocal()) {
            assertNotEquals(first.port(), second.port());
            assertNotEquals(first.dataDir(), second.dataDir());
            Lettuce.with(first.uri(), c -> c.set("where", "first"));
            String elsewhere = Lettuce.with(second.uri(), c -> c.get("where"));
            assertNull(elsewhere);
        }
    }

    @Test
    void closeKillsTheProcessAndDeletesTheTempDir() {
        RedisServer server = RedisServer.startLocal();
        Path dir = server.dataDir();
        int port = server.port();
        server.close();
        server.close(); // idempotent
        assertFalse(server.isRunning());
        assertFalse(Files.exists(dir));
        assertThrows(IOException.class, () -> Resp.call("127.0.0.1", port, Duration.ofMillis(500), "PING"));
        assertThrows(IllegalStateException.class, server::restart);
    }

    @Test
    void givenDataDirIsKept(@TempDir Path parent) {
        Path dir = parent.resolve("redis");
        try (RedisServer server = RedisServer.startLocal(RedisServerOptions.builder().dataDir(dir).build())) {
            assertEquals(dir, server.dataDir());
        }
        assertTrue(Files.exists(dir.resolve("redis.log")));
    }

    @Test
    void startFallsBackToTheLocalBinaryWithoutRedisUriOrDocker() {
        try (RedisServer server = RedisServer.start(Map.of("PATH", System.getenv("PATH")), () -> false)) {
            assertTrue(server.isLocalProcess());
            assertEquals("PONG", Lettuce.with(server.uri(), c -> c.ping()));
        }
    }

    @Test
    void withNothingAvailableTheMessageSaysWhatToDo(@TempDir Path emptyPath) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RedisServer.start(Map.of("PATH", emptyPath.toString()), () -> false));
        assertTrue(e.getMessage().contains("REDIS_URI"), e.getMessage());
        assertTrue(e.getMessage().contains("Docker"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install redis-server"), e.getMessage());
    }

    @Test
    void redisUriWinsAndIsNotControllable() {
        try (RedisServer real = RedisServer.startLocal()) {
            RedisServer external = RedisServer.start(Map.of(RedisServer.REDIS_URI_ENV, real.uri()), () -> {
                throw new AssertionError("Docker must not be probed when REDIS_URI is set");
            });
            assertFalse(external.isLocalProcess());
            assertEquals(real.uri(), external.uri());
            assertEquals(real.port(), external.port());
            assertEquals(real.version(), external.version());
            assertThrows(UnsupportedOperationException.class, external::kill);
            assertThrows(UnsupportedOperationException.class, external::restart);
            assertThrows(UnsupportedOperationException.class, external::dataDir);
            external.close();
            assertTrue(real.isRunning(), "closing a REDIS_URI server must leave it alone");
        }
    }

    @Test
    void dockerIsOnlyAskedWhenThereIsASignOfIt(@TempDir Path home) {
        assertTrue(DockerRedis.mightHaveDocker(Map.of("DOCKER_HOST", "tcp://10.0.0.1:2375"), home));
        assumeFalse(Files.exists(Path.of("/var/run/docker.sock")) || System.getProperty("os.name").startsWith("Windows"));
        assertFalse(DockerRedis.mightHaveDocker(Map.of(), home));
    }

    @Test
    void clusterModeStarts() {
        RedisServerOptions options = RedisServerOptions.builder().extraArgs(List.of("--cluster-enabled", "yes")).build();
        try (RedisServer server = RedisServer.startLocal(options)) {
            assertTrue(server.port() + 10000 <= 65535);
            assertTrue(Lettuce.with(server.uri(), c -> c.info("cluster")).contains("cluster_enabled:1"));
            assertTrue(Files.exists(server.dataDir().resolve("nodes.conf")));
        }
    }

    @Test
    void aTlsServerAnswersOverRedissWithItsCaTrustedAndKeepsItsTlsPortOnRestart() {
        try (RedisServer server = RedisServer.startLocal(RedisServerOptions.builder().tls(true).build())) {
            TestCertificates certificates = server.tlsCertificates();
            String uri = server.tlsUri();
            assertTrue(uri.startsWith("rediss://127.0.0.1:") && !uri.endsWith(":" + server.port()), uri);
            assertEquals("PONG", tls(uri, certificates, c -> c.ping()));
            // the URI's host is checked against the certificate (verify-peer FULL, Lettuce's default)
            assertEquals("FULL", io.lettuce.core.RedisURI.create(uri).getVerifyMode().name());
            server.restart();
            assertEquals(uri, server.tlsUri());
            assertEquals("PONG", tls(uri, certificates, c -> c.ping()));
            // a client that does not trust the test CA is refused
            assertThrows(io.lettuce.core.RedisConnectionException.class, () -> Lettuce.with(uri, c -> c.ping()));
        }
        assertThrows(UnsupportedOperationException.class, () -> {
            try (RedisServer plain = RedisServer.startLocal()) {
                plain.tlsUri();
            }
        });
    }

    private static <T> T tls(String uri, TestCertificates certificates,
            java.util.function.Function<io.lettuce.core.api.sync.RedisCommands<String, String>, T> commands) {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(uri);
        client.setOptions(io.lettuce.core.ClientOptions.builder().sslOptions(io.lettuce.core.SslOptions.builder().jdkSslProvider()
                .truststore(certificates.trustStore().toFile(), TestCertificates.PASSWORD).build()).build());
        try (var connection = client.connect()) {
            return commands.apply(connection.sync());
        } finally {
            Lettuce.shutdown(client);
        }
    }

    @Test
    void badArgumentsFailWithTheLog() {
        RedisServerOptions options = RedisServerOptions.builder().extraArgs(List.of("--no-such-directive", "1")).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RedisServer.startLocal(options));
        assertTrue(e.getMessage().contains("no-such-directive"), e.getMessage());
    }

    @Test
    void takenPortFailsClearly() throws IOException {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            RedisServerOptions options = RedisServerOptions.builder()
                    .port(squatter.getLocalPort()).startupTimeout(Duration.ofSeconds(1)).build();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> RedisServer.startLocal(options));
            assertTrue(e.getMessage().contains("still in use"), e.getMessage());
        }
    }
}
