package io.rill.internal.checkpoint;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.RedisServerOptions;
import io.rill.testing.TcpProxy;

/**
 * Consumer JVMs killed with SIGKILL around the checkpoint journal (semantics 4 and 5), each a child process of the test running {@link ConsumerProcess}.
 */
class CheckpointProcessTest {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String STREAM = "orders";
    private static final String GROUP = "billing";

    @TempDir
    Path dir;

    private Path journal(String consumer) {
        return Journals.file(dir, GROUP, List.of(STREAM), consumer);
    }

    private String[] args(RedisServer server, String consumer, int batch, boolean gate) {
        return args(server.uri(), consumer, batch, gate);
    }

    private String[] args(String uri, String consumer, int batch, boolean gate) {
        List<String> args = new ArrayList<>(List.of(uri, STREAM, GROUP, consumer, dir.toString(),
                Integer.toString(batch)));
        if (gate) {
            args.add("gate");
        }
        return args.toArray(new String[0]);
    }

    /**
     * Killed after the journal commit and before the XACK reached Redis (semantics 4): the child talks to
     * Redis through a proxy that holds every command once its handler waits at the gate on the first
     * entry, so no XACK leaves the proxy while the journal records every handled entry. The restart
     * handles none of them again.
     */
    @Test
    void killedBetweenJournalCommitAndXackTheRestartHandlesNoneOfThemAgain() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server);
                TcpProxy proxy = TcpProxy.start(server.host(), server.port())) {
            List<String> ids = redis.add(STREAM, 200);
            Set<String> firstHandled;
            Set<String> journaled;
            try (ChildConsumer first = ChildConsumer.start(List.of(), args(proxy.uri(), "c1", 50, true))) {
                await().atMost(LONG).until(() -> first.stdout.contains("GATED") || !first.process.isAlive());
                assertTrue(first.process.isAlive(), ChildConsumer.tail(first.stderr).toString());
                // nothing is acked while the first entry waits at the gate: once all are pending here, all were read
                await().atMost(LONG).until(() -> redis.pendingIds(STREAM, GROUP, "c1").size() == ids.size());
                proxy.holdRequests(); // from here on nothing the child sends reaches Redis
                first.send("go");
                // nothing was handled before the gate: every entry is handled and journaled, and its XACK waits in the proxy
                await().atMost(LONG).untilAsserted(() -> assertEquals(List.of(ids.size(), ids.size()),
                        List.of(first.handled().size(), unacked("c1").size()), "handled, journaled"));
                first.kill();
                firstHandled = new HashSet<>(first.handled());
                proxy.cut(); // drops what it held
            }
            journaled = unacked("c1");
            assertEquals(firstHandled, journaled, "the journal has exactly the handled batch");
            assertTrue(redis.pendingIds(STREAM, GROUP, "c1").containsAll(journaled), "their XACK never reached Redis");

            try (ChildConsumer second = ChildConsumer.start(List.of(), args(server.uri(), "c1", 50, false))) {
                await().atMost(LONG).until(() -> redis.pending(STREAM, GROUP) == 0
                        && union(firstHandled, second.handled()).containsAll(ids));
                second.stop();
                Set<String> again = new HashSet<>(second.handled());
                again.retainAll(journaled);
                assertEquals(Set.of(), again, "journaled entries were handled again");
                assertTrue(second.stderr.stream().anyMatch(l -> l.contains(journaled.size()
                        + " acks of earlier handled entries not confirmed by Redis; they are XACKed first")),
                        ChildConsumer.tail(second.stderr).toString());
            }
            assertEquals(0, redis.pending(STREAM, GROUP), "they end acked");
        }
    }

    private Set<String> unacked(String consumer) {
        Path file = journal(consumer);
        return java.nio.file.Files.exists(file) ? Journals.unackedIds(file) : Set.of();
    }

    /**
     * Test 2: SIGKILL at random points of a 100,000-entry run, four times, then a run to the end. No
     * entry is lost. An entry is handled again only when its handler finished after the last journal
     * commit before the kill: nothing the journal holds at a kill is handled by the next run. The
     * test counts the repeats (it prints them).
     */
    @Test
    void randomKillsDuringA100kRunLoseNothingAndRepeatOnlyUnjournaledEntries() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int total = 100_000;
        int kills = 4;
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            List<String> ids = redis.add(STREAM, total);
            Set<String> everHandled = new HashSet<>(total);
            Set<String> journaledAtLastKill = Set.of();
            String name = null;
            int duplicates = 0;
            List<String> report = new ArrayList<>();
            for (int run = 0; run <= kills; run++) {
                try (ChildConsumer child = ChildConsumer.start(List.of(), args(server, "-", 100, false))) {
                    String consumer = child.consumer();
                    if (name == null) {
                        name = consumer;
                    }
                    assertEquals(name, consumer, "a restart in the same directory gets the same derived name back");
                    Set<String> journaledBeforeRun = journaledAtLastKill;
                    int journaledBefore = journaledBeforeRun.size();
                    if (run < kills) {
                        int target = random.nextInt(2_000, 20_000);
                        int killed = run;
                        awaitOrExplain(child, () -> child.handledCount() >= target || !child.process.isAlive(),
                                () -> "run " + killed + " to be killed after " + target + " handled; " + report);
                        child.kill();
                        journaledAtLastKill = Journals.unackedIds(journal(name));
                    } else {
                        Set<String> before = Set.copyOf(everHandled);
                        awaitOrExplain(child, () -> redis.pending(STREAM, GROUP) == 0
                                && union(before, child.handled()).containsAll(ids), () -> "pending "
                                        + redis.pending(STREAM, GROUP) + ", handled " + union(before, child.handled()).size()
                                        + " of " + total + "; " + report);
                        child.stop();
                    }
                    List<String> handled = child.handled();
                    assertEquals(handled.size(), new HashSet<>(handled).size(), "one process handled an entry twice");
                    Set<String> again = new HashSet<>(handled);
                    again.retainAll(journaledBeforeRun);
                    assertEquals(Set.of(), again, "run " + run + " handled entries the journal had at the kill before it "
                            + "(seed " + seed + ")");
                    int repeated = 0;
                    for (String id : handled) {
                        if (!everHandled.add(id)) {
                            repeated++;
                        }
                    }
                    duplicates += repeated;
                    report.add("run " + run + ": handled " + handled.size() + ", of them again " + repeated
                            + "; the journal had " + journaledBefore + " unacked at the kill before");
                }
            }
            for (String line : report) {
                System.out.println(line);
            }
            System.out.println("seed " + seed + ", duplicates " + duplicates + " of " + total);
            assertEquals(new HashSet<>(ids), everHandled, "an entry was lost");
            assertEquals(0, redis.pending(STREAM, GROUP));
            // each kill leaves at most max-in-flight (1000) entries read and not acked
            assertTrue(duplicates <= kills * 1_000, "duplicates " + duplicates);
        }
    }

    /** The outage bullet: Redis away, handlers keep succeeding, the process is killed: no ack is lost. */
    @Test
    void killedDuringARedisOutageLosesNoneOfTheWaitingAcks() throws Exception {
        try (RedisServer server = RedisServer.startLocal(RedisServerOptions.builder().appendOnly(true).build());
                RedisFixture redis = new RedisFixture(server)) {
            List<String> ids = redis.add(STREAM, 300);
            try (ChildConsumer first = ChildConsumer.start(List.of(), args(server, "c1", 300, true))) {
                first.awaitLine("GATED", LONG); // all 300 read, the handler waits at the first
                assertEquals(300, redis.pending(STREAM, GROUP));
                server.stop();
                first.send("go");
                await().atMost(LONG).until(() -> first.handledCount() == 300
                        && Journals.unackedIds(journal("c1")).containsAll(ids));
                first.kill();
            }
            server.restart();
            try (RedisFixture after = new RedisFixture(server)) {
                assertEquals(300, after.pending(STREAM, GROUP), "no XACK got through during the outage");
                try (ChildConsumer second = ChildConsumer.start(List.of(), args(server, "c1", 300, false))) {
                    await().atMost(LONG).until(() -> after.pending(STREAM, GROUP) == 0);
                    second.stop();
                    assertEquals(List.of(), second.handled(), "acked from the journal, nothing handled again");
                }
            }
        }
    }

    /** Test 5: a second process on the same identity fails at start, naming the directory and the holder. */
    @Test
    void aSecondProcessOnTheSameIdentityFailsFastNamingDirectoryAndHolder() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            redis.add(STREAM, 10);
            try (ChildConsumer first = ChildConsumer.start(List.of(), args(server, "c1", 100, false))) {
                assertEquals("c1", first.consumer());
                try (ChildConsumer second = ChildConsumer.start(List.of(), args(server, "c1", 100, false))) {
                    String message = second.awaitLine("FAILED ", LONG);
                    second.drain();
                    assertEquals(3, second.exitCode());
                    Path identity = journal("c1").getParent().toRealPath();
                    assertTrue(message.startsWith("checkpoint.directory " + identity + " is locked by " + first.pid()
                            + "@"), message);
                    assertTrue(message.contains("consumer 'c1' of group 'billing'"), message);
                    assertTrue(second.handled().isEmpty());
                }
                await().atMost(LONG).until(() -> first.handledCount() == 10);
                first.stop();
            }
        }
    }

    /** Semantics 5: derived names differ per process, and a restart gets its name and pending entries back. */
    @Test
    void aDerivedNameComesBackWithItsPendingEntries() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            List<String> ids = redis.add(STREAM, 100);
            try (ChildConsumer a = ChildConsumer.start(List.of(), args(server, "-", 100, true))) {
                String nameA = a.consumer();
                a.awaitLine("GATED", LONG); // a read all 100 and is stuck in its handler
                try (ChildConsumer b = ChildConsumer.start(List.of(), args(server, "-", 100, false))) {
                    String nameB = b.consumer();
                    assertNotEquals(nameA, nameB, "two processes, one directory: two names");
                    assertEquals(new HashSet<>(ids), redis.pendingIds(STREAM, GROUP, nameA));
                    a.kill();
                    try (ChildConsumer c = ChildConsumer.start(List.of(), args(server, "-", 100, false))) {
                        assertEquals(nameA, c.consumer(), "the restart takes the free name, not a new one");
                        await().atMost(LONG).until(() -> redis.pending(STREAM, GROUP) == 0);
                        c.stop();
                        assertEquals(ids, c.handled(), "its own pending entries, in order");
                    }
                    b.stop();
                    assertFalse(b.handled().stream().anyMatch(ids::contains), "b had nothing to read");
                }
            }
        }
    }

    private static void awaitOrExplain(ChildConsumer child, java.util.concurrent.Callable<Boolean> done,
            java.util.function.Supplier<String> state) {
        try {
            await().atMost(LONG).until(done);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("timed out: " + state.get() + "; child handled " + child.handled().size()
                    + ", alive " + child.process.isAlive() + ", stdout " + child.stdout + ", stderr "
                    + ChildConsumer.tail(child.stderr), e);
        }
    }

    private static Set<String> union(Set<String> a, List<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }
}
