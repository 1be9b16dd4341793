package io.rill.internal.checkpoint;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.rill.deadletter.DeadLetter;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

/**
 * Consumer JVMs killed, or killing themselves, while they hold entries (semantics 7): a kill is never a
 * failure, and only an entry that keeps killing its consumer is dead-lettered, as {@code crash-loop}.
 */
class ConsumerKillTest {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String STREAM = "orders";
    private static final String DLQ = "orders:dlq";
    private static final String GROUP = "billing";

    @TempDir
    Path dir;

    private String[] args(RedisServer server, boolean gate) {
        return gate ? new String[] { server.uri(), STREAM, GROUP, "c1", dir.toString(), "50", "gate" }
                : new String[] { server.uri(), STREAM, GROUP, "c1", dir.toString(), "50" };
    }

    /** Eight SIGKILLs in a row while the consumer holds 50 entries (one in its handler): none is dead-lettered. */
    @Test
    void aConsumerKilledEightTimesWhileHolding50EntriesDeadLettersNone() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            List<String> ids = redis.add(STREAM, 50);
            for (int kill = 1; kill <= 8; kill++) {
                try (ChildConsumer child = ChildConsumer.start(List.of(), args(server, true))) {
                    await().atMost(LONG).until(() -> child.stdout.contains("GATED") || !child.process.isAlive());
                    assertTrue(child.process.isAlive(), ChildConsumer.tail(child.stderr).toString());
                    assertEquals(50, redis.pendingIds(STREAM, GROUP, "c1").size(), "it holds all 50");
                    child.kill();
                }
            }
            try (ChildConsumer last = ChildConsumer.start(List.of(), args(server, false))) {
                await().atMost(LONG).until(() -> redis.pending(STREAM, GROUP) == 0 && new HashSet<>(last.handled()).containsAll(ids));
                last.stop();
            }
            assertEquals(0, redis.commands().exists(DLQ), "a kill is not a failure");
        }
    }

    /**
     * A handler that halts the JVM on one entry: after max-deliveries hand-overs that entry is moved as
     * {@code crash-loop} without another handler call. The entries read with it are not: those behind it
     * were never handed over, and those before it succeeded (an outcome), though the halt came before
     * their batched ack; every one of them is handled.
     */
    @Test
    void anEntryThatHaltsItsConsumerEveryTimeEndsAsCrashLoopAndTheOthersAreHandled() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            List<String> before = redis.add(STREAM, 5);
            String poison = redis.commands().xadd(STREAM, Map.of("n", "poison", "poison", "halt"));
            List<String> after = redis.add(STREAM, 14);
            Set<String> handled = new HashSet<>();
            int halts = 0;
            for (int run = 1; run <= 10 && redis.commands().xlen(DLQ) == 0; run++) {
                try (ChildConsumer child = ChildConsumer.start(List.of("rill.test.max-failures=3", "rill.test.max-deliveries=3"),
                        args(server, false))) {
                    await().atMost(LONG).until(() -> !child.process.isAlive()
                            || (redis.commands().xlen(DLQ) > 0 && redis.pending(STREAM, GROUP) == 0));
                    if (child.process.isAlive()) {
                        handled.addAll(child.handled());
                        child.stop();
                    } else {
                        child.drain();
                        assertTrue(child.stdout.contains("HALT " + poison), "died of something else: "
                                + ChildConsumer.tail(child.stderr));
                        handled.addAll(child.handled());
                        halts++;
                    }
                }
            }
            assertEquals(3, halts, "one halt per hand-over, max-deliveries of them");
            List<StreamMessage<String, String>> letters = redis.commands().xrange(DLQ, Range.create("-", "+"));
            assertEquals(1, letters.size(), "dead letters: " + letters.stream().map(m -> m.getBody().get(DeadLetter.ID)).toList());
            Map<String, String> letter = letters.get(0).getBody();
            assertEquals(poison, letter.get(DeadLetter.ID));
            assertEquals("crash-loop", letter.get(DeadLetter.REASON));
            assertEquals("3", letter.get(DeadLetter.DELIVERIES));
            assertEquals("0", letter.get(DeadLetter.FAILURES));
            assertTrue(handled.containsAll(before) && handled.containsAll(after), "every other entry is handled");
            assertEquals(0, redis.pending(STREAM, GROUP));
        }
    }
}
