package io.rill.internal.publish;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rill.Backoff;
import io.rill.OutboxOptions;
import io.rill.Output;
import io.rill.internal.checkpoint.AckJournal.Commit;
import io.rill.internal.checkpoint.FileAckJournal;
import io.rill.internal.checkpoint.IdentityLock;
import io.rill.internal.connect.Failure;

/**
 * A producer's outbox: every publish is journaled first (the checkpoint journal's file format and writer,
 * as payload records, in a directory locked per producer identity), then sent by one sender thread in
 * journal order, each entry through the idempotent XADD, and forgotten once Redis confirmed it. While Redis
 * is unreachable entries wait in the journal, bounded by {@link Capacity}; they survive a crash of the
 * process and are sent first by the next outbox opened with the same identity. Since one thread sends in
 * journal order and a resend of an entry Redis already has returns its first ID, entries reach the stream
 * once each, in the order they were published, and a publish never overtakes older buffered ones.
 */
public final class Outbox implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Outbox.class);
    /** Entries sent pipelined at once. */
    static final int BATCH = 1000;
    /** How long close goes on sending what waits, when Redis answers. */
    private static final Duration CLOSE_DRAIN = Duration.ofSeconds(10);
    private static final Backoff BACKOFF = Backoff.of(Duration.ofMillis(50), Duration.ofSeconds(2));

    /** Sends entries pipelined, in order; one future per entry, completing with its ID. */
    @FunctionalInterface
    public interface Sender {
        List<CompletableFuture<String>> send(List<KeyedEntry> entries);
    }

    private record Pending(KeyedEntry entry, int size, CompletableFuture<Commit> journaled,
            CompletableFuture<String> id) {
    }

    private final IdentityLock identity;
    private final FileAckJournal journal;
    private final Capacity capacity;
    private final Sender sender;
    private final Duration sendTimeout;
    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>(); // guarded by lock, in journal order
    private boolean closing; // guarded by lock
    private final Thread thread;

    private Outbox(OutboxOptions options, Sender sender, Duration sendTimeout) {
        this.identity = IdentityLock.claimProducer(options.directory(), options.identity());
        this.name = "producer outbox '" + options.identity() + "' (" + identity.directory() + ")";
        this.capacity = new Capacity(options.maxEntries(), options.maxBytes(), "the " + name);
        this.sender = sender;
        this.sendTimeout = sendTimeout;
        try {
            this.journal = FileAckJournal.open(identity.directory().resolve("journal"), options.fsync(),
                    options.fsyncInterval(), name);
        } catch (RuntimeException e) {
            identity.close();
            throw e;
        }
        for (Commit commit : journal.unacked()) {
            if (commit.payload() == null) {
                continue; // not an outbox record; cannot happen in an outbox's own journal
            }
            KeyedEntry entry = EntryPayload.decode(commit.stream(), commit.payload());
            capacity.recovered(commit.payload().length);
            queue.add(new Pending(entry, commit.payload().length, CompletableFuture.completedFuture(commit),
                    new CompletableFuture<>()));
        }
        this.thread = Thread.ofPlatform().name("rill-outbox-" + options.identity()).daemon().unstarted(this::run);
        thread.start();
    }

    /**
     * Opens the outbox of {@code options.identity()}, claiming its directory, and starts sending what an
     * earlier process left in it.
     *
     * @param sendTimeout how long one pipelined send may take before it counts as failed (and is sent again)
     * @throws IllegalStateException when another producer holds the identity
     * @throws UncheckedIOException  when the directory or journal can't be used
     */
    public static Outbox open(OutboxOptions options, Sender sender, Duration sendTimeout) {
        return new Outbox(options, sender, sendTimeout);
    }

    /**
     * Journals the entry behind everything published before it, and returns once the record is as durable as
     * {@code outbox.fsync} promises. The future completes with the entry's ID once Redis has it.
     *
     * @throws io.rill.publish.OutboxFullException when the entry does not fit; nothing is written then
     * @throws IllegalArgumentException            when the entry is larger than a journal record can be (64 MiB)
     * @throws IllegalStateException               when the outbox is closed
     * @throws UncheckedIOException                when the journal can't be written
     */
    public CompletableFuture<String> add(String idempotencyKey, Output output) {
        return add(new KeyedEntry(idempotencyKey, output));
    }

    /** As {@link #add(String, Output)}. */
    public CompletableFuture<String> add(KeyedEntry entry) {
        byte[] payload = EntryPayload.encode(entry);
        if (payload.length > FileAckJournal.MAX_PAYLOAD) {
            throw new IllegalArgumentException("an entry of " + payload.length + " bytes is larger than the " + name
                    + " can journal (" + FileAckJournal.MAX_PAYLOAD + " bytes): publish smaller entries, or without an outbox");
        }
        Pending pending;
        lock.lock();
        try {
            if (closing) {
                throw new IllegalStateException("the " + name + " is closed");
            }
            capacity.reserve(payload.length);
            // journal order and queue order are the same order: both taken under this lock
            pending = new Pending(entry, payload.length, journal.append(entry.stream(), payload), new CompletableFuture<>());
            queue.add(pending);
            work.signal();
            pending.journaled().whenComplete((commit, error) -> signal());
        } finally {
            lock.unlock();
        }
        try {
            pending.journaled().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing to the " + name
                    + " (the entry may still be sent)", e);
        } catch (ExecutionException e) {
            // the journal failed: the sender never sends an entry whose record failed; it is given up here
            remove(pending);
            Throwable cause = e.getCause();
            throw new UncheckedIOException("the " + name + " could not write the entry: " + cause,
                    cause instanceof IOException io ? io : new IOException(cause));
        }
        return pending.id();
    }

    /** Entries journaled and not yet confirmed by Redis. */
    public int buffered() {
        return capacity.entries();
    }

    /** Bytes of those entries. */
    public long bufferedBytes() {
        return capacity.bytes();
    }

    private void signal() {
        lock.lock();
        try {
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void remove(Pending pending) {
        lock.lock();
        try {
            if (queue.remove(pending)) {
                capacity.release(pending.size());
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- the sender thread ---------------------------------------------------------------------

    private void run() {
        int failures = 0;
        long drainUntil = 0;
        List<Pending> batch = new ArrayList<>(BATCH);
        while (true) {
            lock.lock();
            try {
                while (queue.isEmpty() && !closing) {
                    work.awaitUninterruptibly();
                }
                if (closing) {
                    if (drainUntil == 0) {
                        drainUntil = System.nanoTime() + CLOSE_DRAIN.toNanos();
                    }
                    // while Redis does not answer, close does not wait for it: the journal keeps what waits
                    if (queue.isEmpty() || failures > 0 || System.nanoTime() - drainUntil > 0) {
                        return;
                    }
                }
                batch.clear();
                for (Pending p : queue) {
                    if (batch.size() == BATCH || !p.journaled().isDone()) {
                        break;
                    }
                    if (p.journaled().isCompletedExceptionally()) {
                        continue; // add() gives it up and removes it
                    }
                    batch.add(p);
                }
                if (batch.isEmpty()) {
                    work.awaitUninterruptibly(); // the head is still being written; its write signals
                    continue;
                }
            } finally {
                lock.unlock();
            }
            int sent = send(batch);
            if (sent == batch.size()) {
                if (failures > 0) {
                    log.info("The {} reaches Redis again; {} entries still wait", name, capacity.entries());
                }
                failures = 0;
                continue;
            }
            failures++;
            if (failures == 1) {
                log.warn("The {} cannot send to Redis; {} entries wait in it and are sent in order when Redis answers",
                        name, capacity.entries());
            }
            pause(BACKOFF.delay(failures));
        }
    }

    /** Sends a batch and settles its confirmed prefix; returns how many were confirmed. */
    private int send(List<Pending> batch) {
        List<CompletableFuture<String>> replies;
        try {
            replies = sender.send(batch.stream().map(Pending::entry).toList());
        } catch (RuntimeException e) {
            log.debug("{}: send failed: {}", name, e.toString());
            return 0;
        }
        long deadline = System.nanoTime() + sendTimeout.toNanos();
        List<Commit> confirmed = new ArrayList<>();
        int done = 0;
        for (; done < batch.size(); done++) {
            String id;
            try {
                id = replies.get(done).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException | TimeoutException e) {
                log.debug("{}: send failed: {}", name, Failure.unwrap(e).toString());
                break; // this and what follows go again, in order
            }
            Pending p = batch.get(done);
            confirmed.add(p.journaled().resultNow());
            p.id().complete(id);
        }
        if (done > 0) {
            journal.acked(confirmed);
            lock.lock();
            try {
                for (int i = 0; i < done; i++) {
                    // by identity, not poll(): an entry whose journal write failed may sit between them
                    if (queue.remove(batch.get(i))) {
                        capacity.release(batch.get(i).size());
                    }
                }
            } finally {
                lock.unlock();
            }
        }
        return done;
    }

    private void pause(Duration delay) {
        lock.lock();
        try {
            long nanos = delay.toNanos();
            while (nanos > 0 && !closing) {
                nanos = work.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            // carry on
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops taking entries, goes on sending what waits for up to 10 s if Redis answers, then closes the
     * journal and releases the identity. What was not sent stays in the journal for the next outbox of
     * this identity; its futures fail saying so.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(CLOSE_DRAIN.plus(sendTimeout).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Pending> left;
        lock.lock();
        try {
            left = new ArrayList<>(queue);
        } finally {
            lock.unlock();
        }
        if (!left.isEmpty()) {
            log.warn("The {} closed with {} entries not yet sent; they stay in its journal and are sent by the next "
                    + "producer opened with this identity", name, left.size());
            IllegalStateException error = new IllegalStateException("the " + name + " closed before the entry was sent; "
                    + "it stays in the journal and is sent by the next producer opened with this identity");
            left.forEach(p -> p.id().completeExceptionally(error));
        }
        try {
            journal.close();
        } finally {
            identity.close();
        }
    }
}
