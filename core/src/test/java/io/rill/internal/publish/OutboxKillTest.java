package io.rill.internal.publish;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lettuce.core.StreamMessage;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.RedisServerOptions;

/**
 * The outbox through a Redis outage and a crash of the producer: a producer JVM publishes 5,000 entries
 * through its outbox while Redis is SIGKILLed (about ten seconds of publishing at the producer's pace
 * before it is restarted on the same port and data, AOF always), and the producer itself is SIGKILLed once
 * meanwhile and started again with the same outbox identity, retrying the last hundred publishes it
 * reported (so those are journaled twice).
 * Afterwards the stream holds every entry exactly once, in publish order.
 */
class OutboxKillTest {

    private static final int ENTRIES = 5_000;
    private static final int PER_SECOND = 250;

    @TempDir
    Path dir;

    /** One producer JVM; its {@code A <n>} lines raise {@link #published}. */
    private static final class Child {
        final Process process;
        final AtomicBoolean done = new AtomicBoolean();
        final Thread pump;

        Child(Process process, AtomicInteger published) {
            this.process = process;
            this.pump = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("A ")) {
                            published.accumulateAndGet(Integer.parseInt(line.substring(2)), Math::max);
                        } else if (line.equals("DONE")) {
                            done.set(true);
                        }
                    }
                } catch (IOException e) {
                    // the process is gone
                }
            });
        }

        void kill() throws InterruptedException {
            process.toHandle().destroyForcibly();
            process.waitFor();
            pump.join(); // every line it printed has been read
        }
    }

    private Child start(RedisServer server, int from, AtomicInteger published, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.log.io.lettuce=warn", "-Dorg.slf4j.simpleLogger.log.io.netty=warn",
                "-cp", System.getProperty("java.class.path"), ProducerProcess.class.getName(),
                server.uri(), "orders", dir.resolve("outbox").toString(), Integer.toString(from),
                Integer.toString(ENTRIES), Integer.toString(PER_SECOND)));
        return new Child(new ProcessBuilder(command).redirectError(log.toFile()).start(), published);
    }

    @Test
    void everyEntryArrivesOnceInOrderThroughARedisOutageAndAProducerCrash() throws Exception {
        Files.createDirectories(dir.resolve("logs"));
        try (RedisServer server = RedisServer.startLocal(RedisServerOptions.builder().appendOnly(true).build())) {
            AtomicInteger published = new AtomicInteger(-1);
            Child first = start(server, 0, published, dir.resolve("logs/producer-1.log"));
            Child second = null;
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> published.get() >= 1_000);
                server.kill(); // Redis down: publishes go on, into the outbox

                await().atMost(Duration.ofSeconds(60)).until(() -> published.get() >= 2_000);
                first.kill(); // the producer crashes with entries in its outbox
                // its callers retry the last hundred requests, whose answers they may not have seen: those
                // entries are in the outbox twice now, and only their idempotency keys keep them single
                int retryFrom = published.get() - 100;
                second = start(server, retryFrom, published, dir.resolve("logs/producer-2.log"));

                // ten seconds of the producer's pace (2,500 publishes) after Redis went down
                await().atMost(Duration.ofSeconds(60)).until(() -> published.get() >= 3_500);
                server.restart();

                Child running = second;
                await().atMost(Duration.ofSeconds(120)).until(running.done::get);
                running.process.waitFor();
            } finally {
                first.process.destroyForcibly();
                if (second != null) {
                    second.process.destroyForcibly();
                }
            }
            String restarted = Files.readString(dir.resolve("logs/producer-2.log"));
            assertTrue(restarted.contains("not yet confirmed by Redis; they are sent first"),
                    "the crash left entries in the outbox for the next producer:\n" + restarted);
            try (RedisFixture redis = new RedisFixture(server)) {
                List<String> numbers = redis.entries("orders").stream().map(StreamMessage::getBody)
                        .map(body -> body.get("n")).toList();
                List<String> expected = IntStream.range(0, ENTRIES).mapToObj(Integer::toString).toList();
                // a short message: the first place the stream differs, not two lists of 5,000
                int differs = IntStream.range(0, Math.min(numbers.size(), ENTRIES))
                        .filter(i -> !numbers.get(i).equals(expected.get(i))).findFirst().orElse(-1);
                assertTrue(numbers.equals(expected), "every entry once, in publish order: the stream has "
                        + numbers.size() + " entries, " + new HashSet<>(numbers).size() + " distinct; first difference at "
                        + differs + (differs < 0 ? "" : ": " + numbers.subList(differs, Math.min(differs + 5, numbers.size()))));
            }
        }
    }
}
