package io.rill.internal.checkpoint;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lettuce.core.Consumer;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.Backoff;
import io.rill.CheckpointOptions;
import io.rill.CheckpointOptions.Fsync;
import io.rill.CheckpointOptions.Journal;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.RedisServerOptions;

/** The journal inside a running subscription, in this JVM (semantics 4 and 5, with the fault paths). */
class CheckpointTest {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String STREAM = "orders";
    private static final String GROUP = "billing";

    @TempDir
    Path dir;

    private SubscriptionOptions.Builder options(String consumer) {
        return SubscriptionOptions.builder().streams(STREAM).group(GROUP).consumer(consumer)
                .startPosition(StartPosition.EARLIEST)
                .blockTimeout(Duration.ofMillis(500))
                .backoff(Backoff.of(Duration.ofMillis(50), Duration.ofMillis(500)))
                .checkpoint(CheckpointOptions.directory(dir));
    }

    private Path journal(String consumer) {
        return Journals.file(dir, GROUP, List.of(STREAM), consumer);
    }

    /** Test 3: Redis stopped while a batch is being handled, then restarted: every ack arrives, nothing twice. */
    @Test
    void redisStoppedWhileABatchIsHandledThenRestartedAllAcksArrive() throws Exception {
        try (RedisServer server = RedisServer.startLocal(RedisServerOptions.builder().appendOnly(true).build());
                RedisFixture redis = new RedisFixture(server)) {
            List<String> ids = redis.add(STREAM, 500);
            CountDownLatch inHandler = new CountDownLatch(1);
            CountDownLatch gate = new CountDownLatch(1);
            Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (Rill rill = Rill.builder(redis.client()).meterRegistry(meters).build()) {
                Subscription sub = rill.subscribe(options("c1").batchSize(500).build(), entry -> {
                    inHandler.countDown();
                    gate.await();
                    handled.computeIfAbsent(entry.id(), k -> new AtomicInteger()).incrementAndGet();
                });
                assertTrue(inHandler.await(60, TimeUnit.SECONDS));
                server.stop();
                await().atMost(LONG).until(() -> sub.state() == SubscriptionState.RECOVERING);
                gate.countDown(); // handlers go on succeeding while Redis is away
                await().atMost(LONG).until(() -> handled.size() == 500
                        && Journals.unackedIds(journal("c1")).containsAll(ids));
                assertEquals(500, sub.inFlight(), "no XACK confirmed during the outage: the slots are still held");
                assertEquals(0.0, meters.get(SubscriptionMetrics.ACKED).counter().count());

                server.restart();
                try (RedisFixture after = new RedisFixture(server)) {
                    await().atMost(LONG).until(() -> after.pending(STREAM, GROUP) == 0 && sub.inFlight() == 0);
                }
                assertEquals(500.0, meters.get(SubscriptionMetrics.ACKED).counter().count());
                assertTrue(handled.values().stream().allMatch(n -> n.get() == 1), "an entry was handled twice");
            }
            assertEquals(java.util.Set.of(), Journals.unackedIds(journal("c1")), "confirmed acks are forgotten");
        }
    }

    /** Test 6: over a long run the journal stays as small as the window, not the history (sampled by entry count). */
    @Test
    void journalSizeStaysBoundedOverALongRun() throws Exception {
        int total = 300_000;
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            redis.add(STREAM, total);
            Path file = journal("c1");
            List<Long> sizes = Collections.synchronizedList(new ArrayList<>());
            AtomicLong handled = new AtomicLong();
            try (Rill rill = Rill.create(redis.client())) {
                rill.subscribe(options("c1").batchSize(500).ackFlushSize(500).build(), entry -> {
                    if (handled.incrementAndGet() % 25_000 == 0) {
                        sizes.add(Files.size(file));
                    }
                });
                await().atMost(LONG).until(() -> handled.get() == total && redis.pending(STREAM, GROUP) == 0);
            }
            // each entry costs at least 2 bytes in its commit record: history is past 2x the compaction size
            assertTrue(2L * total > 2 * FileAckJournal.COMPACT_BYTES);
            assertEquals(total / 25_000, sizes.size());
            long bound = FileAckJournal.COMPACT_BYTES + 64 * 1024; // plus the window (1000 IDs) and one write
            for (int i = 0; i < sizes.size(); i++) {
                assertTrue(sizes.get(i) <= bound, "after " + (i + 1) * 25_000 + " entries: " + sizes.get(i) + " bytes");
            }
            assertTrue(Files.size(file) <= bound);
            assertEquals(java.util.Set.of(), Journals.unackedIds(file));
        }
    }

    /** Test 4 with a real start: a journal cut mid-record keeps its good records, which are acked unhandled. */
    @Test
    void aTornJournalTailIsDroppedAndTheGoodRecordsStillAckTheirEntries() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            List<String> ids = redis.add(STREAM, 300);
            redis.commands().xgroupCreate(StreamOffset.from(STREAM, "0"), GROUP, XGroupCreateArgs.Builder.mkstream());
            // a previous process read all 300, handled them, journaled them in three commits and died writing
            // the third: the entries are pending, and only the first two commits are whole
            assertEquals(300, redis.commands().xreadgroup(Consumer.from(GROUP, "c1"), XReadArgs.Builder.count(300),
                    StreamOffset.lastConsumed(STREAM)).size());
            Path file = journal("c1");
            Files.createDirectories(file.getParent());
            try (FileAckJournal journal = FileAckJournal.open(file, Fsync.ALWAYS, Duration.ofMillis(100), "test")) {
                for (int i = 0; i < 3; i++) {
                    journal.append(STREAM, ids.subList(i * 100, i * 100 + 100), false).get(10, TimeUnit.SECONDS);
                }
            }
            long size = Files.size(file);
            long thirdStart = JournalFormat.HEADER_BYTES;
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(Files.readAllBytes(file));
            for (int i = 0; i < 2; i++) {
                thirdStart += JournalFormat.FRAME_BYTES + bytes.getInt((int) thirdStart);
            }
            long cut = thirdStart + 7;
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(cut);
            }
            assertTrue(cut < size);

            List<String> handled = Collections.synchronizedList(new ArrayList<>());
            try (Rill rill = Rill.create(redis.client())) {
                rill.subscribe(options("c1").build(), entry -> handled.add(entry.id()));
                await().atMost(LONG).until(() -> redis.pending(STREAM, GROUP) == 0);
            }
            assertEquals(ids.subList(200, 300), handled, "only the torn commit's entries run again");
            assertEquals(1, RedisFixture.logLines("WARN", file.toString(),
                    "torn or corrupt record at byte " + thirdStart + " of " + cut));
        }
    }

    @Test
    void theMemoryJournalRunsTheSamePipelineWithoutADisk() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            redis.add(STREAM, 5_000);
            AtomicInteger handled = new AtomicInteger();
            try (Rill rill = Rill.create(redis.client())) {
                rill.subscribe(options("c1").checkpoint(CheckpointOptions.builder().journal(Journal.MEMORY).build())
                        .build(), entry -> handled.incrementAndGet());
                await().atMost(LONG).until(() -> handled.get() == 5_000 && redis.pending(STREAM, GROUP) == 0);
            }
            try (var files = Files.list(dir)) {
                assertEquals(0, files.count(), "no directory, no files");
            }
        }
    }

    /** Semantics 5 within one process: derived names never collide, a named identity is held once. */
    @Test
    void identitiesWithinOneProcess() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server);
                Rill rill = Rill.create(redis.client()); Rill other = Rill.create(redis.client())) {
            Subscription a = rill.subscribe(options(null).build(), entry -> { });
            Subscription b = rill.subscribe(options(null).build(), entry -> { });
            assertTrue(a.options().consumer().startsWith(IdentityLock.hostName() + "-"), a.options().consumer());
            assertNotEquals(a.options().consumer(), b.options().consumer());
            assertTrue(a.id().contains(a.options().consumer()));

            rill.subscribe(options("c1").build(), entry -> { });
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> other.subscribe(options("c1").build(), entry -> { }));
            assertTrue(e.getMessage().startsWith("checkpoint.directory " + journal("c1").getParent().toRealPath()
                    + " is locked by " + ProcessHandle.current().pid() + "@"), e.getMessage());
            b.close();
            Subscription again = other.subscribe(options(null).build(), entry -> { });
            assertEquals(b.options().consumer(), again.options().consumer(), "a released name is taken again");
        }
    }

    /** A journal that can no longer be written fails the subscription loudly; what was handled is still acked. */
    @Test
    void aBrokenJournalFailsTheSubscriptionAndStillAcksWhatWasHandled() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            redis.add(STREAM, 200_000);
            java.util.Set<String> handled = ConcurrentHashMap.newKeySet();
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch sabotaged = new CountDownLatch(1);
            try (Rill rill = Rill.create(redis.client())) {
                Subscription sub = rill.subscribe(options("c1").batchSize(500).ackFlushSize(500).build(), entry -> {
                    started.countDown();
                    sabotaged.await();
                    handled.add(entry.id());
                });
                assertTrue(started.await(60, TimeUnit.SECONDS));
                // the next compaction writes its new file through this link: the disk is "full"
                Files.createSymbolicLink(journal("c1").resolveSibling("journal.rewrite"), Path.of("/dev/full"));
                sabotaged.countDown();
                await().atMost(LONG).until(() -> sub.state() == SubscriptionState.FAILED);
                String message = sub.lastError().orElseThrow().getMessage();
                assertTrue(message.startsWith("checkpoint journal of billing/c1/orders failed"), message);
                await().atMost(LONG).until(() -> sub.inFlight() == 0);
            }
            // everything handled was acked, journal or not: no handled entry is left pending
            java.util.Set<String> pendingHandled = redis.pendingIds(STREAM, GROUP, "c1");
            assertTrue(redis.pending(STREAM, GROUP) < 200_000, "the subscription got somewhere");
            pendingHandled.retainAll(handled);
            assertEquals(java.util.Set.of(), pendingHandled);
            assertEquals(1, RedisFixture.logLines("ERROR", "Checkpoint journal of", "c1", "failed"));
        }
    }
}
