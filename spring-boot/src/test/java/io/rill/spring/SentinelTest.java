package io.rill.spring;

import static io.rill.spring.Contexts.runner;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Boot's Sentinel configuration ({@code spring.data.redis.sentinel.*}) is what the starter runs on: the
 * subscription reads from the master the Sentinel names, through Boot's connection factory.
 */
class SentinelTest {

    static final RedisServer master = RedisServer.startLocal();
    static Process sentinel;
    static int sentinelPort;
    static Path dir;

    static class Listener {
        final Set<String> handled = ConcurrentHashMap.newKeySet();

        @RedisStreamListener(streams = "sentinel:in", group = "watched", consumer = "c1", startFrom = "earliest")
        void on(@Field("n") String n) {
            handled.add(n);
        }
    }

    /** A redis-server in Sentinel mode watching {@link #master} as {@code mymaster}; it needs a config file. */
    @BeforeAll
    static void startSentinel() throws Exception {
        try (ServerSocket free = new ServerSocket(0)) {
            sentinelPort = free.getLocalPort();
        }
        dir = Files.createTempDirectory("rill-sentinel");
        Path config = dir.resolve("sentinel.conf");
        Files.writeString(config, String.join("\n",
                "port " + sentinelPort,
                "bind 127.0.0.1",
                "dir " + dir,
                "logfile " + dir.resolve("sentinel.log"),
                "sentinel monitor mymaster " + master.host() + " " + master.port() + " 1",
                ""));
        sentinel = new ProcessBuilder("redis-server", config.toString(), "--sentinel").directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        RedisClient probe = RedisClient.create("redis://127.0.0.1:" + sentinelPort);
        try {
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                try (StatefulRedisConnection<String, String> c = probe.connect()) {
                    return "PONG".equals(c.sync().ping());
                }
            });
        } finally {
            probe.shutdown(0, 1, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() throws IOException, InterruptedException {
        if (sentinel != null) {
            sentinel.destroy();
            sentinel.waitFor(10, TimeUnit.SECONDS);
        }
        master.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Test
    void aSentinelManagedMasterIsReadThroughBootsConnection() {
        try (RedisFixture redis = new RedisFixture(master)) {
            runner().withBean(Listener.class).withPropertyValues(
                    "spring.data.redis.sentinel.master=mymaster",
                    "spring.data.redis.sentinel.nodes=127.0.0.1:" + sentinelPort,
                    "rill.consumers.watched.block-timeout=200ms").run(context -> {
                assertEquals(null, context.getStartupFailure());
                redis.add("sentinel:in", "n", "1");
                Listener listener = context.getBean(Listener.class);
                await().atMost(Duration.ofSeconds(15)).until(() -> listener.handled.contains("1")
                        && redis.allAcked("sentinel:in", "watched"));
            });
        }
    }
}
