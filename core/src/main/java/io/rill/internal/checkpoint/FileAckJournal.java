package io.rill.internal.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rill.CheckpointOptions.Fsync;

/**
 * The ack journal as one append-only file ({@code checkpoint.journal = file}).
 *
 * <p>A writer thread takes everything queued since its last turn and writes it with one {@code write}
 * (group commit); with fsync {@code always} it forces that write before completing the appends' futures
 * (whose callbacks send the XACKs). With {@code never} and {@code interval}, which never wait for an
 * fsync, a worker writes its own flush's record instead of queuing it ({@link #append(String, List,
 * boolean)}); threads that must not wait for a disk (Lettuce's event loop, the shared timer) queue. The
 * writer also writes the records of confirmed XACKs that no append took along. Every other fsync runs
 * on a syncer thread of its own ({@link Syncer}), so a slow one (a disk's stall, seen here at hundreds of
 * milliseconds) holds neither appends nor XACKs: with {@code interval} the periodic one, with both
 * policies the second half of a compaction. The busier the subscription, the more each write carries.
 * Records of confirmed XACKs wait for the next append's write, or at most one fsync interval after it.
 *
 * <p>Each record carries a CRC32C ({@link JournalFormat}). At open the file is read up to the first
 * record that is cut short or fails its checksum (a write killed halfway): every record before it is
 * kept, the rest is dropped with one WARN naming the byte offset. The file is then rewritten with
 * only the commits not yet acked, and again whenever {@link #COMPACT_BYTES} were appended since the
 * last rewrite, so its size follows the un-acked window (bounded by {@code max-in-flight}), not
 * history. A rewrite writes the live commits to a new file, the writer appends there from then on,
 * and the new file atomically replaces the journal once it is forced to disk. Until that rename both
 * files exist, and recovery reads the new one as the continuation of the old.
 *
 * <p>The producer outbox keeps its entries in a file journal of its own, as opaque payload records
 * ({@link #append(String, byte[])}), with the same group commit, fsync policy, recovery and compaction.
 */
public final class FileAckJournal implements AckJournal {

    private static final Logger log = LoggerFactory.getLogger(FileAckJournal.class);
    /** Bytes appended after which the file is rewritten with only what is not acked. */
    static final long COMPACT_BYTES = 256 * 1024;
    /** The largest payload {@link #append(String, byte[])} takes: a record must stay under the format's limit. */
    public static final int MAX_PAYLOAD = JournalFormat.MAX_RECORD - 64 * 1024;
    /** How long close waits for the writer to finish what is queued. */
    private static final long CLOSE_WAIT_MILLIS = 10_000;

    /** How records reach the disk; a test puts a stalling or watching disk in its place. */
    @FunctionalInterface
    interface Disk {
        Disk REAL = channel -> channel.force(false);

        void force(FileChannel channel) throws IOException;

        default void write(FileChannel channel, ByteBuffer buffer) throws IOException {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    private final Path file;
    private final Path rewriteFile;
    /** Where the rewrite at open goes: never the rewrite file, which may hold what recovery just read. */
    private final Path startFile;
    private final Fsync fsync;
    private final long intervalNanos;
    private final String description;
    private final long compactBytes;
    private final Disk disk;
    private final List<Commit> recovered;
    private final Map<String, Set<String>> recoveredIds;

    /**
     * Held while the file is written, by the writer or by a caller appending itself; taken before
     * {@link #lock} when both are held.
     */
    private final ReentrantLock fileLock = new ReentrantLock();
    // queued by callers, taken by the writer; guarded by lock
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private List<Pending> appends = new ArrayList<>();
    private List<Commit> acks = new ArrayList<>();
    private long nextSeq;
    private boolean closing;
    /** When queued ack records are written though nothing is appended; 0 when none can be queued. */
    private long sweepAt;
    /** Set under lock by the writer or the syncer, read by the writer without it. */
    private volatile IOException broken;

    // guarded by fileLock
    private final Map<Long, Commit> live;
    private final CRC32C crc = new CRC32C();
    /** Where the writer appends; the syncer forces it too. */
    private volatile FileChannel channel;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
    private long size;
    private long sizeAfterRewrite;
    private volatile long bytesWritten;
    private volatile int rewrites;
    private final Thread writer;
    /** Null with fsync {@code never}. */
    private final Syncer syncer;

    private record Pending(Commit commit, CompletableFuture<Commit> done) {
    }

    private FileAckJournal(Path file, Fsync fsync, Duration fsyncInterval, String description, long compactBytes,
            Disk disk) throws IOException {
        this.file = file;
        this.rewriteFile = rewriteFileOf(file);
        this.startFile = file.resolveSibling(file.getFileName() + ".start");
        this.fsync = fsync;
        this.intervalNanos = fsyncInterval.toNanos();
        this.description = description;
        this.compactBytes = compactBytes;
        this.disk = disk;
        JournalFormat.Recovered state = recover();
        this.live = new LinkedHashMap<>(state.live());
        this.nextSeq = state.nextSeq();
        this.recovered = List.copyOf(state.live().values());
        Map<String, Set<String>> ids = new HashMap<>();
        for (Commit commit : recovered) {
            ids.computeIfAbsent(commit.stream(), k -> new HashSet<>()).addAll(commit.ids());
        }
        this.recoveredIds = Map.copyOf(ids);
        rewrite(true); // starts the file over with only what is not acked (and without a torn tail)
        if (Files.deleteIfExists(rewriteFile) && fsync != Fsync.NEVER) { // read above, now held by the journal
            forceDirectory(file.getParent());
        }
        String name = file.getParent().getFileName().toString();
        this.syncer = fsync == Fsync.NEVER ? null : new Syncer(name);
        this.writer = Thread.ofPlatform().name("rill-journal-" + name).daemon().unstarted(this::write);
        writer.start();
    }

    /**
     * Opens (or creates) the journal at {@code file}, recovering what a previous process left there.
     *
     * @throws UncheckedIOException  when the file can't be read or written
     * @throws IllegalStateException when the file is not a journal
     */
    public static FileAckJournal open(Path file, Fsync fsync, Duration fsyncInterval, String description) {
        return open(file, fsync, fsyncInterval, description, COMPACT_BYTES, Disk.REAL);
    }

    static FileAckJournal open(Path file, Fsync fsync, Duration fsyncInterval, String description, long compactBytes) {
        return open(file, fsync, fsyncInterval, description, compactBytes, Disk.REAL);
    }

    static FileAckJournal open(Path file, Fsync fsync, Duration fsyncInterval, String description, long compactBytes,
            Disk disk) {
        try {
            return new FileAckJournal(file, fsync, fsyncInterval, description, compactBytes, disk);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint journal " + file + " of " + description + " can't be opened: "
                    + e + " (check that the directory is writable: checkpoint.directory, or outbox.directory of a producer)", e);
        }
    }

    /** Where a rewrite of the journal {@code file} goes until it replaces it; recovery reads it after the journal. */
    static Path rewriteFileOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".rewrite");
    }

    public Path file() {
        return file;
    }

    /** Bytes written to the journal since open, rewrites included. */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** Rewrites done since open, the one at open included. */
    public int rewrites() {
        return rewrites;
    }

    /**
     * {@inheritDoc}
     *
     * <p>With fsync {@code never} and {@code interval} and {@code mayWrite}, the record is written on the
     * calling thread (into the operating system's cache, as the writer would: those policies never wait for
     * an fsync) and the future is complete on return, so the caller sends the XACK itself: a flush costs no
     * wake-up of the writer. Otherwise, and whenever another thread is writing (the caller never waits for
     * a write but its own), the record is queued for the writer's next group commit (and, with
     * {@code always}, its fsync).
     */
    @Override
    public CompletableFuture<Commit> append(String stream, List<String> ids, boolean mayWrite) {
        if (fsync == Fsync.ALWAYS || !mayWrite || !fileLock.tryLock()) {
            return enqueue(stream, ids, null);
        }
        try {
            Commit commit;
            List<Commit> confirmed;
            lock.lock();
            try {
                if (broken != null || closing) {
                    return CompletableFuture.failedFuture(failure());
                }
                commit = new Commit(nextSeq++, stream, ids);
                confirmed = acks.isEmpty() ? List.of() : takeAcks();
                // the XACK of this commit is confirmed after it: the writer writes its ack record an interval
                // after the last append at the latest, woken only when it had nothing to wait for
                boolean idle = sweepAt == 0;
                sweepAt = System.nanoTime() + intervalNanos;
                if (idle) {
                    work.signal();
                }
            } finally {
                lock.unlock();
            }
            write(List.of(commit), confirmed);
            IOException error = broken;
            return error == null ? CompletableFuture.completedFuture(commit) : CompletableFuture.failedFuture(error);
        } finally {
            fileLock.unlock();
        }
    }

    @Override
    public boolean writesOnCaller() {
        return fsync != Fsync.ALWAYS; // always: the writer forces every record, whoever appends it
    }

    private List<Commit> takeAcks() {
        List<Commit> taken = acks;
        acks = new ArrayList<>();
        return taken;
    }

    private CompletableFuture<Commit> enqueue(String stream, List<String> ids, byte[] payload) {
        CompletableFuture<Commit> done = new CompletableFuture<>();
        lock.lock();
        try {
            if (broken != null || closing) {
                done.completeExceptionally(failure());
                return done;
            }
            appends.add(new Pending(new Commit(nextSeq++, stream, ids, payload), done));
            work.signal();
        } finally {
            lock.unlock();
        }
        return done;
    }

    /**
     * Appends an opaque record (a producer outbox entry for {@code stream}), kept until {@link #acked}; as
     * durable as {@link #append(String, List)} when its future completes. Found again by {@link #unacked()}
     * after a restart, in the order of appending.
     */
    public CompletableFuture<Commit> append(String stream, byte[] payload) {
        if (payload.length > MAX_PAYLOAD || stream.length() > 16 * 1024) {
            // recovery would read a longer record as torn: refuse it rather than lose it at the next start
            throw new IllegalArgumentException("a journal record holds at most " + MAX_PAYLOAD + " bytes, this one has "
                    + payload.length);
        }
        return enqueue(stream, List.of(), payload);
    }

    @Override
    public void acked(Collection<Commit> commits) {
        lock.lock();
        try {
            if (broken != null || closing) {
                return; // not recorded: the next start XACKs them again, which Redis ignores
            }
            for (Commit commit : commits) {
                if (commit.journaled()) {
                    acks.add(commit);
                }
            }
            // no wake-up of its own: ack records ride along with the next write, or the writer's sweep an
            // interval after its last append. One lost in a crash only means its IDs are XACKed once more
            // at the next start, which Redis ignores.
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Commit> unacked() {
        return recovered;
    }

    @Override
    public boolean contains(String stream, String id) {
        Set<String> ids = recoveredIds.get(stream);
        return ids != null && ids.contains(id);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        try {
            writer.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            log.warn("Checkpoint journal {} of {}: the writer did not finish within {} ms (disk stalled?); "
                    + "what it did not write is XACKed again or handled again after a restart", file, description,
                    CLOSE_WAIT_MILLIS);
        }
    }

    private IOException failure() {
        return broken != null ? broken : new IOException("checkpoint journal " + file + " is closed");
    }

    // ---- the writer thread ---------------------------------------------------------------------

    private void write() {
        List<Pending> batch = new ArrayList<>();
        List<Commit> confirmed = new ArrayList<>();
        while (true) {
            boolean last;
            lock.lock();
            try {
                while (appends.isEmpty() && !closing) {
                    if (sweepAt == 0) {
                        work.awaitUninterruptibly();
                    } else {
                        long left = sweepAt - System.nanoTime();
                        if (left <= 0) {
                            break;
                        }
                        work.awaitNanos(left);
                    }
                }
                List<Pending> a = appends;
                appends = batch;
                batch = a;
                List<Commit> c = acks;
                acks = confirmed;
                confirmed = c;
                last = closing;
                // the XACKs of what this turn appends are confirmed after it: write their records in time even
                // when nothing else is appended
                sweepAt = batch.isEmpty() ? 0 : System.nanoTime() + intervalNanos;
            } catch (InterruptedException e) {
                continue; // nobody interrupts this thread; if someone does, carry on
            } finally {
                lock.unlock();
            }
            writeBatch(batch, confirmed);
            batch.clear();
            confirmed.clear();
            if (last) {
                fileLock.lock();
                try {
                    finish();
                } finally {
                    fileLock.unlock();
                }
                return;
            }
        }
    }

    private void writeBatch(List<Pending> batch, List<Commit> confirmed) {
        List<Commit> commits = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            commits.add(p.commit());
        }
        fileLock.lock();
        try {
            write(commits, confirmed);
        } finally {
            fileLock.unlock();
        }
        IOException error = broken;
        for (Pending p : batch) {
            if (error == null) {
                p.done().complete(p.commit());
            } else {
                p.done().completeExceptionally(error);
            }
        }
    }

    /** Writes commits and ack records (forced with fsync {@code always}); a failure breaks the journal. Hold fileLock. */
    private void write(List<Commit> commits, List<Commit> confirmed) {
        try {
            if (broken == null) {
                for (Commit c : commits) {
                    live.put(c.seq(), c);
                }
                for (Commit c : confirmed) {
                    live.remove(c.seq());
                }
                boolean wrote = true;
                // past the live records' own size too, so a journal holding much (an outbox during an
                // outage) is not rewritten whole every compactBytes: rewrites stay linear in what is appended
                if (size - sizeAfterRewrite >= Math.max(compactBytes, sizeAfterRewrite)
                        && (syncer == null || !syncer.swapping)) {
                    rewrite(false); // holds the batch's commits too
                } else if (!commits.isEmpty() || !confirmed.isEmpty()) {
                    append(commits, confirmed);
                } else {
                    wrote = false;
                }
                if (wrote && fsync == Fsync.ALWAYS && !commits.isEmpty()) {
                    disk.force(channel);
                } else if (wrote && syncer != null) {
                    syncer.written();
                }
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    /** Breaks the journal: appends fail from now on. The first failure, of the writer or the syncer, is logged. */
    private void fail(Exception e) {
        lock.lock();
        try {
            if (broken != null) {
                return;
            }
            broken = e instanceof IOException io ? io : new IOException(e);
        } finally {
            lock.unlock();
        }
        log.error("Checkpoint journal {} of {} failed; appends fail from now on", file, description, e);
    }

    private void append(List<Commit> commits, List<Commit> confirmed) throws IOException {
        buffer.clear();
        for (Commit commit : commits) {
            ensure(JournalFormat.maxCommitBytes(commit));
            JournalFormat.commit(buffer, commit, crc);
        }
        if (!confirmed.isEmpty()) {
            ensure(JournalFormat.maxAckedBytes(confirmed.size()));
            JournalFormat.acked(buffer, confirmed, crc);
        }
        buffer.flip();
        int n = buffer.remaining();
        disk.write(channel, buffer);
        size += n;
        bytesWritten += n;
    }

    private void ensure(int bytes) {
        if (buffer.remaining() < bytes) {
            ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(buffer.capacity() * 2, buffer.position() + bytes));
            buffer.flip();
            bigger.put(buffer);
            buffer = bigger;
        }
    }

    /**
     * Writes the commits not yet acked to a new file and appends there from now on. The new file replaces
     * the journal once it is forced to disk (then the directory too), unless the policy is {@code never}:
     * at open and with {@code never} right here, else by the syncer. A power loss leaves either file whole,
     * or both, which recovery reads in turn.
     */
    private void rewrite(boolean atOpen) throws IOException {
        buffer.clear();
        ensure(JournalFormat.HEADER_BYTES);
        JournalFormat.header(buffer);
        for (Commit commit : live.values()) {
            ensure(JournalFormat.maxCommitBytes(commit));
            JournalFormat.commit(buffer, commit, crc);
        }
        buffer.flip();
        int n = buffer.remaining();
        Path target = atOpen ? startFile : rewriteFile;
        FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            disk.write(out, buffer);
        } catch (IOException | RuntimeException e) {
            close(out);
            throw e;
        }
        FileChannel old = channel;
        channel = out;
        size = n;
        sizeAfterRewrite = n;
        bytesWritten += n;
        rewrites++;
        if (atOpen || syncer == null) {
            close(old);
            replace(out, target);
        } else {
            syncer.swap(old);
        }
    }

    /** The second half of a rewrite: the new file, forced to disk, replaces the journal. */
    private void replace(FileChannel rewritten, Path from) throws IOException {
        if (fsync != Fsync.NEVER) {
            disk.force(rewritten);
        }
        try {
            Files.move(from, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, file, StandardCopyOption.REPLACE_EXISTING);
        }
        if (fsync != Fsync.NEVER) {
            forceDirectory(file.getParent());
        }
    }

    private void finish() {
        if (syncer != null) {
            syncer.stop(); // its last turn forces what was written and completes a pending replace
        }
        close(channel);
        channel = null;
    }

    private void close(FileChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                log.debug("closing {}", file, e);
            }
        }
    }

    /**
     * Forces the journal to disk away from the writer: with {@code interval} within one interval of a
     * write, with {@code always} the ack records (appends the writer forces itself), and with both the
     * replace that completes a rewrite. While a replace is pending the writer starts no other rewrite.
     */
    private final class Syncer {

        private final ReentrantLock lock = new ReentrantLock();
        private final Condition work = lock.newCondition();
        // guarded by lock
        private boolean dirty;
        private long due;
        private FileChannel retired;
        private boolean stopping;
        /** A rewrite waits for its replace: the writer starts no other. */
        volatile boolean swapping;
        private final Thread thread;

        Syncer(String name) {
            thread = Thread.ofPlatform().name("rill-journal-sync-" + name).daemon().start(this::run);
        }

        /** The writer wrote: force it within one interval. */
        void written() {
            lock.lock();
            try {
                if (!dirty) {
                    dirty = true;
                    due = System.nanoTime() + intervalNanos;
                    work.signal();
                }
            } finally {
                lock.unlock();
            }
        }

        /** The writer moved on to the rewrite file: force it, let it replace the journal, close {@code old}. */
        void swap(FileChannel old) {
            lock.lock();
            try {
                swapping = true;
                retired = old;
                work.signal();
            } finally {
                lock.unlock();
            }
        }

        void stop() {
            lock.lock();
            try {
                stopping = true;
                work.signal();
            } finally {
                lock.unlock();
            }
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void run() {
            while (true) {
                FileChannel old;
                boolean force;
                boolean last;
                lock.lock();
                try {
                    while (retired == null && !stopping && !(dirty && System.nanoTime() - due >= 0)) {
                        if (dirty) {
                            work.awaitNanos(due - System.nanoTime());
                        } else {
                            work.awaitUninterruptibly();
                        }
                    }
                    old = retired;
                    retired = null;
                    force = dirty;
                    dirty = false; // a write from here on marks it again
                    last = stopping;
                } catch (InterruptedException e) {
                    continue; // nobody interrupts this thread
                } finally {
                    lock.unlock();
                }
                try {
                    if (old != null) {
                        close(old);
                        if (broken == null) {
                            replace(channel, rewriteFile);
                        }
                        swapping = false;
                    } else if (force && broken == null) {
                        disk.force(channel);
                    }
                } catch (IOException | RuntimeException e) {
                    fail(e);
                }
                if (last) {
                    return;
                }
            }
        }
    }

    // ---- open ----------------------------------------------------------------------------------

    /** What the journal holds: the journal file, then the file of a rewrite whose replace did not happen. */
    private JournalFormat.Recovered recover() throws IOException {
        JournalFormat.Recovered state = new JournalFormat.Recovered(new LinkedHashMap<>(), 0, 0, 0, false);
        if (Files.exists(file)) {
            state = recover(file, state);
        }
        if (Files.isRegularFile(rewriteFile)) {
            state = recover(rewriteFile, state);
        }
        long payloads = state.live().values().stream().filter(c -> c.payload() != null).count();
        if (payloads > 0) {
            log.info("Journal {} of {}: {} entries written before a restart and not yet confirmed by Redis; they are "
                    + "sent first, in order", file, description, payloads);
        } else if (!state.live().isEmpty()) {
            log.info("Checkpoint journal {} of {}: {} acks of earlier handled entries not confirmed by Redis; "
                    + "they are XACKed first", file, description,
                    state.live().values().stream().mapToInt(c -> c.ids().size()).sum());
        }
        return state;
    }

    private JournalFormat.Recovered recover(Path path, JournalFormat.Recovered before) throws IOException {
        ByteBuffer data;
        try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
            long length = in.size();
            if (length > Integer.MAX_VALUE) {
                throw new IOException("journal " + path + " is " + length + " bytes, larger than a journal can be");
            }
            data = ByteBuffer.allocate((int) length);
            while (data.hasRemaining() && in.read(data) >= 0) {
                // read it all
            }
            data.flip();
        }
        JournalFormat.Recovered state = JournalFormat.read(data, path.toString(), before.live(), before.nextSeq());
        if (state.torn()) {
            log.warn("Checkpoint journal {} of {}: torn or corrupt record at byte {} of {}; kept the {} good records "
                    + "before it and dropped the last {} bytes (a write cut short by a crash; at worst those acks' "
                    + "entries are handled again)", path, description, state.goodEnd(), data.limit(), state.records(),
                    data.limit() - state.goodEnd());
        }
        return state;
    }

    private static void forceDirectory(Path directory) {
        // makes the rename durable; not every platform can open a directory (Windows), which is fine there
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            log.debug("fsync of directory {} not possible: {}", directory, e.toString());
        }
    }
}
