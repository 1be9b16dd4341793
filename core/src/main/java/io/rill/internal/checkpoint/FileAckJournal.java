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
 * <p>One writer thread owns the file. Callers only queue: {@link #append} and {@link #acked} never
 * touch the disk, so handlers never wait for I/O. The writer takes everything queued since its last
 * turn and writes it with one {@code write} (group commit), followed by at most one {@code fsync}
 * as the {@link Fsync} policy says; only then does it complete the appends' futures (whose callbacks
 * send the XACKs). The busier the subscription, the more each write and fsync carries. Records of
 * confirmed XACKs wait for the next append's write instead of causing one.
 *
 * <p>Each record carries a CRC32C ({@link JournalFormat}). At open the file is read up to the first
 * record that is cut short or fails its checksum (a write killed halfway): every record before it is
 * kept, the rest is dropped with one WARN naming the byte offset. The file is then rewritten with
 * only the commits not yet acked, and again whenever {@link #COMPACT_BYTES} were appended since the
 * last rewrite, so its size follows the un-acked window (bounded by {@code max-in-flight}), not
 * history. A rewrite goes to a temporary file that atomically replaces the journal.
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

    private final Path file;
    private final Path rewriteFile;
    private final Fsync fsync;
    private final long intervalNanos;
    private final String description;
    private final long compactBytes;
    private final List<Commit> recovered;
    private final Map<String, Set<String>> recoveredIds;

    // queued by callers, taken by the writer; guarded by lock
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private List<Pending> appends = new ArrayList<>();
    private List<Commit> acks = new ArrayList<>();
    private long nextSeq;
    private boolean closing;
    private IOException broken;

    // the writer's own
    private final Map<Long, Commit> live;
    private final CRC32C crc = new CRC32C();
    private FileChannel channel;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
    private long size;
    private long sizeAfterRewrite;
    private boolean dirty;
    private long forceDue;
    private volatile long bytesWritten;
    private volatile int rewrites;
    private final Thread writer;

    private record Pending(Commit commit, CompletableFuture<Commit> done) {
    }

    private FileAckJournal(Path file, Fsync fsync, Duration fsyncInterval, String description, long compactBytes)
            throws IOException {
        this.file = file;
        this.rewriteFile = file.resolveSibling(file.getFileName() + ".rewrite");
        this.fsync = fsync;
        this.intervalNanos = fsyncInterval.toNanos();
        this.description = description;
        this.compactBytes = compactBytes;
        Files.deleteIfExists(rewriteFile); // a rewrite killed before its rename; the journal itself is intact
        JournalFormat.Recovered state = recover();
        this.live = new LinkedHashMap<>(state.live());
        this.nextSeq = state.nextSeq();
        this.recovered = List.copyOf(state.live().values());
        Map<String, Set<String>> ids = new HashMap<>();
        for (Commit commit : recovered) {
            ids.computeIfAbsent(commit.stream(), k -> new HashSet<>()).addAll(commit.ids());
        }
        this.recoveredIds = Map.copyOf(ids);
        rewrite(); // starts the file over with only what is not acked (and without a torn tail)
        this.writer = Thread.ofPlatform().name("rill-journal-" + file.getParent().getFileName()).daemon()
                .unstarted(this::write);
        writer.start();
    }

    /**
     * Opens (or creates) the journal at {@code file}, recovering what a previous process left there.
     *
     * @throws UncheckedIOException  when the file can't be read or written
     * @throws IllegalStateException when the file is not a journal
     */
    public static FileAckJournal open(Path file, Fsync fsync, Duration fsyncInterval, String description) {
        return open(file, fsync, fsyncInterval, description, COMPACT_BYTES);
    }

    static FileAckJournal open(Path file, Fsync fsync, Duration fsyncInterval, String description, long compactBytes) {
        try {
            return new FileAckJournal(file, fsync, fsyncInterval, description, compactBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint journal " + file + " of " + description + " can't be opened: "
                    + e + " (check that the directory is writable: checkpoint.directory, or outbox.directory of a producer)", e);
        }
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

    @Override
    public CompletableFuture<Commit> append(String stream, List<String> ids) {
        CompletableFuture<Commit> done = new CompletableFuture<>();
        lock.lock();
        try {
            if (broken != null || closing) {
                done.completeExceptionally(failure());
                return done;
            }
            appends.add(new Pending(new Commit(nextSeq++, stream, ids), done));
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
        CompletableFuture<Commit> done = new CompletableFuture<>();
        lock.lock();
        try {
            if (broken != null || closing) {
                done.completeExceptionally(failure());
                return done;
            }
            appends.add(new Pending(new Commit(nextSeq++, stream, List.of(), payload), done));
            work.signal();
        } finally {
            lock.unlock();
        }
        return done;
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
            // no wake-up of its own: ack records ride along with the next write. One lost in a crash
            // only means its IDs are XACKed once more at the next start, which Redis ignores.
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
                while (appends.isEmpty() && !closing && !forceDueNow()) {
                    if (dirty) {
                        work.awaitNanos(forceDue - System.nanoTime());
                    } else {
                        work.awaitUninterruptibly();
                    }
                }
                List<Pending> a = appends;
                appends = batch;
                batch = a;
                List<Commit> c = acks;
                acks = confirmed;
                confirmed = c;
                last = closing;
            } catch (InterruptedException e) {
                continue; // nobody interrupts this thread; if someone does, carry on
            } finally {
                lock.unlock();
            }
            writeBatch(batch, confirmed);
            batch.clear();
            confirmed.clear();
            if (last) {
                finish();
                return;
            }
        }
    }

    private boolean forceDueNow() {
        return dirty && System.nanoTime() - forceDue >= 0;
    }

    private void writeBatch(List<Pending> batch, List<Commit> confirmed) {
        try {
            if (broken == null) {
                for (Pending p : batch) {
                    live.put(p.commit().seq(), p.commit());
                }
                for (Commit c : confirmed) {
                    live.remove(c.seq());
                }
                // past the live records' own size too, so a journal holding much (an outbox during an
                // outage) is not rewritten whole every compactBytes: rewrites stay linear in what is appended
                if (size - sizeAfterRewrite >= Math.max(compactBytes, sizeAfterRewrite)) {
                    rewrite(); // holds the batch's commits too
                } else if (!batch.isEmpty() || !confirmed.isEmpty()) {
                    append(batch, confirmed);
                }
                if (dirty && ((fsync == Fsync.ALWAYS && !batch.isEmpty()) || forceDueNow())) {
                    channel.force(false);
                    dirty = false;
                }
            }
        } catch (IOException | RuntimeException e) {
            IOException error = e instanceof IOException io ? io : new IOException(e);
            lock.lock();
            try {
                broken = error;
            } finally {
                lock.unlock();
            }
            log.error("Checkpoint journal {} of {} failed; appends fail from now on", file, description, e);
            closeChannel();
        }
        for (Pending p : batch) {
            if (broken == null) {
                p.done().complete(p.commit());
            } else {
                p.done().completeExceptionally(broken);
            }
        }
    }

    private void append(List<Pending> batch, List<Commit> confirmed) throws IOException {
        buffer.clear();
        for (Pending p : batch) {
            ensure(JournalFormat.maxCommitBytes(p.commit()));
            JournalFormat.commit(buffer, p.commit(), crc);
        }
        if (!confirmed.isEmpty()) {
            ensure(JournalFormat.maxAckedBytes(confirmed.size()));
            JournalFormat.acked(buffer, confirmed, crc);
        }
        buffer.flip();
        int n = buffer.remaining();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        size += n;
        bytesWritten += n;
        if (fsync != Fsync.NEVER && !dirty) {
            dirty = true;
            forceDue = System.nanoTime() + intervalNanos;
        }
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
     * Writes the commits not yet acked to a new file and moves it over the journal. Forced to disk
     * (file, then directory) unless the policy is {@code never}, so a power loss leaves either file whole.
     */
    private void rewrite() throws IOException {
        closeChannel();
        buffer.clear();
        ensure(JournalFormat.HEADER_BYTES);
        JournalFormat.header(buffer);
        for (Commit commit : live.values()) {
            ensure(JournalFormat.maxCommitBytes(commit));
            JournalFormat.commit(buffer, commit, crc);
        }
        buffer.flip();
        int n = buffer.remaining();
        try (FileChannel out = FileChannel.open(rewriteFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            if (fsync != Fsync.NEVER) {
                out.force(false);
            }
        }
        try {
            Files.move(rewriteFile, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(rewriteFile, file, StandardCopyOption.REPLACE_EXISTING);
        }
        if (fsync != Fsync.NEVER) {
            forceDirectory(file.getParent());
        }
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = n;
        sizeAfterRewrite = n;
        bytesWritten += n;
        rewrites++;
        dirty = false;
    }

    private void finish() {
        try {
            if (broken == null && dirty) {
                channel.force(false);
            }
        } catch (IOException e) {
            log.warn("Checkpoint journal {} of {}: last fsync failed: {}", file, description, e.toString());
        }
        closeChannel();
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("closing {}", file, e);
            }
            channel = null;
        }
    }

    // ---- open ----------------------------------------------------------------------------------

    private JournalFormat.Recovered recover() throws IOException {
        if (!Files.exists(file)) {
            return new JournalFormat.Recovered(Map.of(), 0, 0, 0, false);
        }
        ByteBuffer data;
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = in.size();
            if (length > Integer.MAX_VALUE) {
                throw new IOException("journal " + file + " is " + length + " bytes, larger than a journal can be");
            }
            data = ByteBuffer.allocate((int) length);
            while (data.hasRemaining() && in.read(data) >= 0) {
                // read it all
            }
            data.flip();
        }
        JournalFormat.Recovered state = JournalFormat.read(data, file.toString());
        if (state.torn()) {
            log.warn("Checkpoint journal {} of {}: torn or corrupt record at byte {} of {}; kept the {} good records "
                    + "before it and dropped the last {} bytes (a write cut short by a crash; at worst those acks' "
                    + "entries are handled again)", file, description, state.goodEnd(), data.limit(), state.records(),
                    data.limit() - state.goodEnd());
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

    private static void forceDirectory(Path directory) {
        // makes the rename durable; not every platform can open a directory (Windows), which is fine there
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            log.debug("fsync of directory {} not possible: {}", directory, e.toString());
        }
    }
}
