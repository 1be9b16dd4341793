package io.rill.internal.checkpoint;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rill.CheckpointOptions.Fsync;
import io.rill.internal.checkpoint.AckJournal.Commit;
import io.rill.testing.RedisFixture;

/** The file journal on its own: group commit, recovery of a torn tail and bounded size (semantics 4). */
class FileAckJournalTest {

    @TempDir
    Path dir;

    private static List<String> ids(long firstMs, int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add((firstMs + i / 3) + "-" + (i % 3));
        }
        return ids;
    }

    private static Commit commit(AckJournal journal, String stream, List<String> ids) throws Exception {
        return journal.append(stream, ids, true).get(10, TimeUnit.SECONDS);
    }

    private FileAckJournal open(Path file, Fsync fsync) {
        return FileAckJournal.open(file, fsync, Duration.ofMillis(100), "test");
    }

    @Test
    void unackedCommitsSurviveAReopenAndAckedOnesAreForgotten() throws Exception {
        Path file = dir.resolve("journal");
        for (Fsync fsync : Fsync.values()) {
            Files.deleteIfExists(file);
            List<String> a = ids(1_700_000_000_000L, 100);
            List<String> b = ids(1_700_000_001_000L, 50);
            List<String> c = List.of("0-1", "18446744073709551615-18446744073709551615", "5-0", "3-7");
            try (FileAckJournal journal = open(file, fsync)) {
                Commit ca = commit(journal, "orders", a);
                commit(journal, "refunds", b);
                commit(journal, "orders", c);
                journal.acked(List.of(ca));
            }
            try (FileAckJournal journal = open(file, fsync)) {
                List<Commit> unacked = journal.unacked();
                assertEquals(2, unacked.size(), fsync.toString());
                assertEquals("refunds", unacked.get(0).stream());
                assertEquals(b, unacked.get(0).ids());
                assertEquals(c, unacked.get(1).ids(), "IDs out of order and at the limits decode exactly");
                assertTrue(journal.contains("refunds", b.get(7)));
                assertTrue(journal.contains("orders", c.get(1)));
                assertFalse(journal.contains("orders", a.get(0)), "an acked commit is forgotten");
                assertFalse(journal.contains("refunds", a.get(0)));
                // new commits continue the numbering: an ack of a new commit never hits an old one
                Commit next = commit(journal, "orders", ids(1_800_000_000_000L, 3));
                assertTrue(next.seq() > unacked.get(1).seq());
            }
        }
    }

    @Test
    void appendsQueuedTogetherShareOneWrite() throws Exception {
        Path file = dir.resolve("journal");
        try (FileAckJournal journal = open(file, Fsync.ALWAYS)) {
            long before = journal.bytesWritten();
            List<CompletableFuture<Commit>> futures = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                futures.add(journal.append("orders", ids(1_700_000_000_000L + i * 10L, 10), true));
            }
            CompletableFuture.allOf(futures.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
            assertTrue(journal.bytesWritten() > before);
        }
        // every commit came back; the write count is what the benchmark measures, here we check content
        assertEquals(2_000, Journals.read(file).live().size());
    }

    /** The producer outbox's records: opaque payloads, kept in order until acked, cut tails dropped as for IDs. */
    @Test
    void payloadRecordsSurviveAReopenInOrderUntilAckedAndATornOneIsDropped() throws Exception {
        Path file = dir.resolve("outbox-journal");
        List<Commit> appended = new ArrayList<>();
        try (FileAckJournal journal = FileAckJournal.open(file, Fsync.NEVER, Duration.ofMillis(100), "test", 4096)) {
            for (int i = 0; i < 2_000; i++) {
                byte[] payload = new byte[100];
                java.util.Arrays.fill(payload, (byte) i);
                payload[0] = (byte) 0xFF; // not text
                appended.add(journal.append("orders:{" + (i % 3) + "}", payload).get(10, TimeUnit.SECONDS));
            }
            // about 220 KB appended with nothing acked and 4 KB between rewrites: a rewrite only once the appended
            // bytes pass the live size, so a handful of rewrites (doubling), not one per 4 KB of the whole
            assertTrue(journal.rewrites() < 12, "rewrites: " + journal.rewrites());
            journal.acked(appended.subList(0, 500));
            journal.append("orders", new byte[] {1}).get(10, TimeUnit.SECONDS); // carries the ack record
        }
        try (FileAckJournal journal = FileAckJournal.open(file, Fsync.NEVER, Duration.ofMillis(100), "test", 4096)) {
            List<Commit> unacked = journal.unacked();
            assertEquals(1_501, unacked.size());
            for (int i = 0; i < 1_500; i++) {
                Commit want = appended.get(500 + i);
                Commit got = unacked.get(i);
                assertEquals(want.seq(), got.seq());
                assertEquals(want.stream(), got.stream());
                assertTrue(got.ids().isEmpty());
                assertTrue(java.util.Arrays.equals(want.payload(), got.payload()), "payload " + i);
            }
            assertFalse(journal.contains("orders", "0-0"), "payload records are no acked IDs");
        }
        // a write cut short: the last payload record is dropped, every one before it kept
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() - 1);
        }
        try (FileAckJournal journal = FileAckJournal.open(file, Fsync.NEVER, Duration.ofMillis(100), "test", 4096)) {
            assertEquals(1_500, journal.unacked().size());
        }
        assertThrows(IllegalArgumentException.class, () -> {
            try (FileAckJournal journal = FileAckJournal.open(file, Fsync.NEVER, Duration.ofMillis(100), "test", 4096)) {
                journal.append("orders", new byte[FileAckJournal.MAX_PAYLOAD + 1]);
            }
        }, "a payload recovery would read as torn is refused");
    }

    @Test
    void tornTailKeepsEveryGoodRecordDropsTheRestAndSaysWhere() throws Exception {
        Path file = dir.resolve("journal");
        List<List<String>> commits = new ArrayList<>();
        try (FileAckJournal journal = open(file, Fsync.NEVER)) {
            for (int i = 0; i < 5; i++) {
                List<String> ids = ids(1_700_000_000_000L + i * 1000L, 40);
                commits.add(ids);
                commit(journal, "orders", ids);
            }
        }
        long size = Files.size(file);
        long lastStart = Journals.read(file).goodEnd() - recordBytes(file, 4);
        // cut the last record in the middle, as a kill during its write would
        long cut = lastStart + (size - lastStart) / 2;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(cut);
        }
        long warningsBefore = RedisFixture.logLines("torn or corrupt record at byte " + lastStart + " of " + cut, file.toString());

        try (FileAckJournal journal = open(file, Fsync.NEVER)) {
            Set<String> recovered = new HashSet<>();
            journal.unacked().forEach(c -> recovered.addAll(c.ids()));
            Set<String> expected = new HashSet<>();
            commits.subList(0, 4).forEach(expected::addAll);
            assertEquals(expected, recovered, "the four whole records are kept, the cut one is dropped");
            // the journal goes on from the good records: a new commit lands and reads back
            commit(journal, "orders", List.of("1900000000000-0"));
        }
        assertEquals(warningsBefore + 1,
                RedisFixture.logLines("torn or corrupt record at byte " + lastStart + " of " + cut, file.toString()));
        JournalFormat.Recovered after = Journals.read(file);
        assertFalse(after.torn(), "recovery rewrote the file without the torn tail");
        assertEquals(5, after.live().size());
    }

    @Test
    void aFlippedByteFailsTheChecksumAndEndsTheGoodPart() throws Exception {
        Path file = dir.resolve("journal");
        try (FileAckJournal journal = open(file, Fsync.NEVER)) {
            for (int i = 0; i < 3; i++) {
                commit(journal, "orders", ids(1_700_000_000_000L + i * 1000L, 40));
            }
        }
        long secondStart = JournalFormat.HEADER_BYTES + recordBytes(file, 0);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(secondStart + 20);
            int b = raf.read();
            raf.seek(secondStart + 20);
            raf.write(b ^ 0x10);
        }
        JournalFormat.Recovered state = Journals.read(file);
        assertTrue(state.torn());
        assertEquals(secondStart, state.goodEnd());
        assertEquals(1, state.live().size(), "only the record before the corrupt one is trusted");
    }

    @Test
    void aFileThatIsNotAJournalIsRefusedNotOverwritten() throws Exception {
        Path file = dir.resolve("journal");
        Files.writeString(file, "hello, this is somebody else's file");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> open(file, Fsync.NEVER));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("not a Rill ack journal"),
                e.getMessage());
        assertEquals("hello, this is somebody else's file", Files.readString(file));
    }

    @Test
    void sizeFollowsTheUnackedWindowNotHistory() throws Exception {
        Path file = dir.resolve("journal");
        long bound = FileAckJournal.COMPACT_BYTES + 64 * 1024;
        int window = 10; // commits of 100 IDs in flight at once: 1000 entries, the default max-in-flight
        try (FileAckJournal journal = open(file, Fsync.NEVER)) {
            List<Commit> inFlight = new ArrayList<>();
            long ms = 1_700_000_000_000L;
            for (int i = 0; i < 20_000; i++) { // 2,000,000 entries
                inFlight.add(commit(journal, "orders", ids(ms, 100)));
                ms += 40;
                if (inFlight.size() == window) {
                    journal.acked(List.of(inFlight.remove(0)));
                }
                if (i % 1000 == 999) {
                    long size = Files.size(file);
                    assertTrue(size <= bound, "after " + (i + 1) * 100 + " entries the journal is " + size + " bytes");
                }
            }
            assertTrue(journal.bytesWritten() > 8 * FileAckJournal.COMPACT_BYTES,
                    "history (" + journal.bytesWritten() + " bytes) must be well past the compaction size for this test to mean anything");
            assertTrue(journal.rewrites() > 8, "rewrites: " + journal.rewrites());
        }
        assertEquals(9, Journals.read(file).live().size(), "what was not acked is still there");
    }

    /** A disk whose fsyncs stall, once told to, until released: what a busy disk does for hundreds of ms. */
    private static final class StallingDisk implements FileAckJournal.Disk {
        final CountDownLatch stalled = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        volatile boolean armed;

        @Override
        public void force(FileChannel channel) throws IOException {
            if (!armed) {
                channel.force(false);
                return;
            }
            threads.add(Thread.currentThread().getName());
            stalled.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            channel.force(false);
        }
    }

    /**
     * With fsync interval, an fsync that stalls holds neither appends nor a compaction: the writer goes on
     * in the compaction's new file while the old one is still the journal, and a crash meanwhile loses
     * nothing, because recovery reads the new file as the old one's continuation (semantics 4).
     */
    @Test
    void aStalledIntervalFsyncHoldsNoAppendAndACrashDuringTheCompactionItDelaysLosesNothing() throws Exception {
        Path file = dir.resolve("journal");
        Path rewrite = dir.resolve("journal.rewrite");
        StallingDisk disk = new StallingDisk();
        Set<String> unacked = new HashSet<>();
        try (FileAckJournal journal = FileAckJournal.open(file, Fsync.INTERVAL, Duration.ofMillis(1), "test", 4096,
                disk)) {
            assertEquals(1, journal.rewrites(), "the one at open");
            disk.armed = true;
            long ms = 1_700_000_000_000L;
            List<String> first = ids(ms, 10);
            commit(journal, "orders", first);
            unacked.addAll(first);
            assertTrue(disk.stalled.await(10, TimeUnit.SECONDS), "the interval's fsync started and stalls");
            for (int i = 0; i < 300; i++) { // ~30 KiB of records: past the compaction size many times over
                ms += 10;
                List<String> ids = ids(ms, 10);
                Commit c = commit(journal, "orders", ids); // written though the fsync stalls
                if (i % 2 == 0) {
                    journal.acked(List.of(c));
                } else {
                    unacked.addAll(ids);
                }
            }
            List<String> last = ids(ms + 10, 10);
            commit(journal, "orders", last); // its write carries the acks recorded before it
            unacked.addAll(last);
            assertEquals(2, journal.rewrites(), "one compaction started; the next waits for its replace");
            assertTrue(Files.exists(rewrite), "the compaction's file is not yet in the journal's place");

            // a process killed now leaves both files: copy them as they are
            Path crashed = Files.createDirectory(dir.resolve("crashed"));
            Files.copy(file, crashed.resolve("journal"));
            Files.copy(rewrite, crashed.resolve("journal.rewrite"));
            try (FileAckJournal after = open(crashed.resolve("journal"), Fsync.NEVER)) {
                assertEquals(unacked, idsOf(after.unacked()), "both files read in turn hold exactly what is not acked");
            }
            assertFalse(Files.exists(crashed.resolve("journal.rewrite")), "the open took it into the journal");

            disk.release.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(rewrite));
            assertEquals(Set.of("rill-journal-sync-" + dir.getFileName()), disk.threads, "no fsync on the writer");
        }
        try (FileAckJournal journal = open(file, Fsync.NEVER)) {
            assertEquals(unacked, idsOf(journal.unacked()));
        }
    }

    /** With fsync always an append completes only after its fsync: the stall holds it (semantics 4). */
    @Test
    void anAlwaysAppendWaitsForItsFsync() throws Exception {
        StallingDisk disk = new StallingDisk();
        try (FileAckJournal journal = FileAckJournal.open(dir.resolve("journal"), Fsync.ALWAYS, Duration.ofMillis(100),
                "test", FileAckJournal.COMPACT_BYTES, disk)) {
            disk.armed = true;
            CompletableFuture<Commit> append = journal.append("orders", ids(1_700_000_000_000L, 5), true);
            assertTrue(disk.stalled.await(10, TimeUnit.SECONDS));
            assertFalse(append.isDone(), "completed before its fsync returned");
            disk.release.countDown();
            assertEquals(5, append.get(10, TimeUnit.SECONDS).ids().size());
            assertEquals(Set.of("rill-journal-" + dir.getFileName()), disk.threads, "the writer forces its appends");
        }
    }

    /** A disk that notes which threads write to it and, once told to, stalls the next write until released. */
    private static final class WatchedDisk implements FileAckJournal.Disk {
        final List<String> writers = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CountDownLatch stalled = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean stallNext;

        @Override
        public void force(FileChannel channel) throws IOException {
            channel.force(false);
        }

        @Override
        public void write(FileChannel channel, java.nio.ByteBuffer buffer) throws IOException {
            writers.add(Thread.currentThread().getName());
            if (stallNext) {
                stallNext = false;
                stalled.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            FileAckJournal.Disk.super.write(channel, buffer);
        }
    }

    /** A worker writes nothing but its own record: while the writer's write stalls, its record queues behind it. */
    @Test
    void aWorkerNeverWaitsForAWriteNotItsOwn() throws Exception {
        Path file = dir.resolve("journal");
        WatchedDisk disk = new WatchedDisk();
        try (FileAckJournal journal = FileAckJournal.open(file, Fsync.INTERVAL, Duration.ofMillis(100), "test",
                FileAckJournal.COMPACT_BYTES, disk)) {
            disk.writers.clear();
            disk.stallNext = true;
            List<String> first = ids(1_700_000_000_000L, 5);
            CompletableFuture<Commit> queued = journal.append("orders", first, false);
            assertTrue(disk.stalled.await(10, TimeUnit.SECONDS), "the writer's write stalls");
            List<String> second = ids(1_700_000_001_000L, 5);
            CompletableFuture<Commit> own = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                    Duration.ofSeconds(10), () -> journal.append("orders", second, true), "the worker waited for the writer");
            assertFalse(own.isDone(), "queued behind the stalled write, not written by the worker");
            disk.release.countDown();
            own.get(10, TimeUnit.SECONDS);
            queued.get(10, TimeUnit.SECONDS);
            String writer = "rill-journal-" + dir.getFileName();
            assertEquals(List.of(writer, writer), disk.writers);
            Set<String> both = new HashSet<>(first);
            both.addAll(second);
            assertEquals(both, Journals.unackedIds(file));
        }
    }

    /**
     * With fsync never and interval, which wait for no fsync, a worker writes its own record: the append is
     * complete on return with its record in the file, and no writer is woken for it. A thread that must not
     * wait for a disk queues for the writer. Ack records of confirmed XACKs reach the file an interval after
     * the last append though nothing follows it (semantics 4).
     */
    @Test
    void aWorkerWritesItsOwnRecordOtherThreadsQueueAndAckRecordsFollowAlone() throws Exception {
        String writer = "rill-journal-" + dir.getFileName();
        String self = Thread.currentThread().getName();
        for (Fsync fsync : List.of(Fsync.NEVER, Fsync.INTERVAL)) {
            Path file = dir.resolve("journal");
            Files.deleteIfExists(file);
            WatchedDisk disk = new WatchedDisk();
            try (FileAckJournal journal = FileAckJournal.open(file, fsync, Duration.ofMillis(100), "test",
                    FileAckJournal.COMPACT_BYTES, disk)) {
                disk.writers.clear(); // the rewrite at open
                CompletableFuture<Commit> own = journal.append("orders", ids(1_700_000_000_000L, 5), true);
                assertTrue(own.isDone(), fsync + ": complete on return");
                assertEquals(List.of(self), disk.writers, fsync + ": written by the caller");
                assertEquals(Set.copyOf(own.get().ids()), Journals.unackedIds(file), "in the file on return");

                journal.acked(List.of(own.get()));
                await().atMost(Duration.ofSeconds(10)).until(() -> Journals.unackedIds(file).isEmpty());
                assertEquals(List.of(self, writer), disk.writers, fsync + ": the ack record alone, by the writer");

                List<String> later = ids(1_700_000_001_000L, 5);
                journal.append("orders", later, false).get(10, TimeUnit.SECONDS);
                assertEquals(List.of(self, writer, writer), disk.writers, fsync + ": queued, written by the writer");
                assertEquals(Set.copyOf(later), Journals.unackedIds(file));
            }
        }
    }

    private static Set<String> idsOf(List<Commit> commits) {
        Set<String> ids = new HashSet<>();
        for (Commit commit : commits) {
            ids.addAll(commit.ids());
        }
        return ids;
    }

    /** The bytes (frame included) of record number {@code index} of a journal file. */
    private static long recordBytes(Path file, int index) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        int pos = JournalFormat.HEADER_BYTES;
        for (int i = 0; i < index; i++) {
            pos += JournalFormat.FRAME_BYTES + in.getInt(pos);
        }
        return JournalFormat.FRAME_BYTES + in.getInt(pos);
    }
}
