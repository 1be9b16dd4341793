package io.rill.internal.admit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.StreamEntry;
import io.rill.SubscriptionOptions;
import io.rill.internal.admit.Source.Batch;
import io.rill.internal.admit.Source.Origin;
import io.rill.internal.metrics.Meters;
import io.rill.internal.settle.Settler;
import io.rill.internal.window.InFlightWindow;

/**
 * The admission loop of one subscription (semantics 2, 3, 9): the only code that takes slots in the
 * in-flight window. Each pass first drains the history source (the own PEL from ID 0, never with
 * BLOCK), then alternates between the periodic sources (claim) and the new-entries source (BLOCK).
 * COUNT is the batch size lowered to the free capacity. Every admitted entry goes to the
 * {@link Settler} on arrival, which keeps what it can settle at once (trimmed, journaled, dead letters),
 * and the rest to the hand-off (the dispatcher).
 *
 * <p>A paused admission makes no reads until resumed; resuming reads the own PEL first.
 *
 * <p>Runs on the subscription's read thread, on a connection no one else uses. Reads of new entries are
 * admitted where their reply arrives (Lettuce's I/O thread), so the entries of a read reach the handler with
 * one thread hand-off, as in a hand-written loop; the read thread waits for them and decides what to read next.
 * When entries come one at a time, the worker sends the next read after its handler, as a loop's thread would
 * (see {@link Chain}).
 * Redis errors are thrown to the supervisor, which backs off, reconnects and calls {@link #run} again.
 */
public final class Admission {

    /**
     * A read answered this long after it went out waited in Redis for its entries: they come one at a time, and its
     * worker can send the next read after the handler. Faster replies (10,000/s and up) keep the I/O thread's send,
     * which costs no wake-up of that thread per read (docs/benchmarks.md, eighteenth pass).
     */
    static final long SLOW_READ_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    private final SubscriptionOptions options;
    private final InFlightWindow window;
    private final Settler settler;
    private final Meters metrics;
    private final HandOff handOff;
    private final Source history;
    private final Source fresh;
    private final List<Source> periodic;
    private final int streams;
    private final long slowReadNanos;
    private volatile boolean stopping;
    private volatile boolean paused;
    private volatile boolean historyDue;
    private final Object pauseMonitor = new Object();
    private boolean reading; // guarded by pauseMonitor
    /** While {@link #run} runs: an arrival after it ended (by an error) sends nothing ahead. */
    private volatile boolean running;
    /** The reads the read thread waits for; null between them. */
    private volatile Chain chain;

    /**
     * @param history  the own PEL, drained at every (re)start and after a resume
     * @param fresh    new entries, blocking
     * @param periodic sources asked between two reads of new entries (claim)
     * @param handOff  where entries for the handler go
     */
    public Admission(SubscriptionOptions options, InFlightWindow window, Settler settler, Meters metrics,
            HandOff handOff, Source history, Source fresh, List<Source> periodic) {
        this(options, window, settler, metrics, handOff, history, fresh, periodic, SLOW_READ_NANOS);
    }

    /** @param slowReadNanos see {@link #SLOW_READ_NANOS}; tests set 0, so that every short read counts as slow */
    Admission(SubscriptionOptions options, InFlightWindow window, Settler settler, Meters metrics, HandOff handOff,
            Source history, Source fresh, List<Source> periodic, long slowReadNanos) {
        this.slowReadNanos = slowReadNanos;
        this.options = options;
        this.window = window;
        this.settler = settler;
        this.metrics = metrics;
        this.handOff = handOff;
        this.history = history;
        this.fresh = fresh;
        this.periodic = List.copyOf(periodic);
        this.streams = options.streams().size();
    }

    // ---- stop and pause ----------------------------------------------------------------------------

    /** Makes {@link #run} return after its current read. */
    public void stop() {
        stopping = true;
        wakeFromPause();
        releaseHeldRead(null);
    }

    public boolean stopping() {
        return stopping;
    }

    /** Makes {@link #run} wait before its next read until {@link #resume()} or {@link #stop()}. */
    public void pause() {
        paused = true;
        releaseHeldRead(null);
    }

    /**
     * The read connection was lost. A read in flight fails by itself; a next read that a worker holds would not
     * notice (Lettuce reconnects underneath), so the run ends as if it had: a backoff and a history read follow.
     */
    public void readConnectionLost() {
        releaseHeldRead(new RedisConnectionException("read connection lost while the handler held the next read"));
    }

    /** Ends the current chain of reads if a worker holds its next read: normally, or with {@code error}. */
    private void releaseHeldRead(RuntimeException error) {
        Chain current = chain;
        if (current != null) {
            current.release(error);
        }
    }

    /** Reads again, starting with the own pending entries. */
    public void resume() {
        historyDue = true;
        paused = false;
        wakeFromPause();
    }

    public boolean paused() {
        return paused;
    }

    private void wakeFromPause() {
        synchronized (pauseMonitor) {
            pauseMonitor.notifyAll();
        }
    }

    /**
     * Waits until no read is in progress or about to start, or the timeout passes: after a
     * {@link #pause()} this is when reading has really stopped.
     *
     * @return true when idle
     */
    public boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (pauseMonitor) {
            while (reading) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(pauseMonitor, remaining);
            }
            return true;
        }
    }

    /** The gate before every read: parks here while paused; counts as reading once past it. */
    private void awaitResumed() throws InterruptedException {
        synchronized (pauseMonitor) {
            if (paused && !stopping) {
                setReading(false);
                while (paused && !stopping) {
                    pauseMonitor.wait();
                }
            }
            setReading(true);
        }
    }

    private void setReading(boolean value) {
        synchronized (pauseMonitor) {
            reading = value;
            pauseMonitor.notifyAll();
        }
    }

    // ---- the loop ----------------------------------------------------------------------------------

    /**
     * Reads the own pending entries, then new ones and claims, until {@link #stop()}.
     *
     * @param commands a connection used by this loop only
     * @param onRead   called when Redis answered a read; for a run of reads sent ahead, once, after the first
     */
    public void run(RedisCommands<String, byte[]> commands, Runnable onRead) throws InterruptedException {
        running = true;
        try {
            historyDue = true;
            while (!stopping) {
                if (historyDue) {
                    historyDue = false;
                    drainHistory(commands, onRead);
                    continue;
                }
                for (Source source : periodic) {
                    drainPeriodic(source, commands, onRead);
                }
                int count = awaitCount(commands);
                if (count == 0 || historyDue) {
                    continue;
                }
                Chain reads = new Chain(commands);
                chain = reads; // before the first read: a stop or pause that comes later finds what it holds
                try {
                    Source.Pending first = reads.send(count);
                    if (first == null) { // a source that reads one call at a time
                        Batch batch = fresh.next(commands, count);
                        onRead.run();
                        admit(commands, batch, null);
                        continue;
                    }
                    reads.await(first, onRead); // awaited even when stopping: Redis delivered what was read, the arrivals admitted it
                } finally {
                    chain = null;
                    reads.release(null); // a read a worker still holds is never sent: the run that wanted it is over
                }
            }
        } finally {
            running = false;
            setReading(false);
        }
    }

    /**
     * The reads of new entries that one read sets going: each arrival (on the I/O thread that decoded the reply)
     * sends the next read, so that Redis holds a read for what comes next, and the batch goes to the handler without
     * waiting for the read thread to wake. A full batch sends it before admitting (Redis prepares the next batch of
     * the backlog meanwhile), a short one after (its entries reach the handler first). The read thread wakes for the
     * first arrival and the last, not for every read in between: the chain ends only when something else is due on
     * the connection or the window is full.
     *
     * <p>A short batch whose read waited in Redis for it ({@link #SLOW_READ_NANOS}) goes to a worker that waits for
     * work, which sends the next read after its handler, as a loop's thread does: the read's write no longer stands
     * between the worker and a CPU (docs/benchmarks.md, eighteenth pass). While the worker holds it no read is in
     * flight, so a stop, a pause or a lost read connection {@link #release releases} it and ends the chain; a
     * handler that keeps it for a whole read timeout loses it to the read thread, which reads on.
     */
    private final class Chain {
        /** Completes when an arrival sent nothing ahead; exceptionally with the first failure of a read or an arrival. */
        private final CompletableFuture<Void> end = new CompletableFuture<>();
        private final RedisCommands<String, byte[]> commands;
        /** True while a worker holds the next read; whoever sets it false (sends it, releases it) owns that read. */
        private final AtomicBoolean held = new AtomicBoolean();
        private final Runnable sendHeld = this::sendHeld;
        /** The last read sent ahead, cancelled when its reply is overdue. */
        private volatile Source.Pending ahead;
        /** Reads taken; written by one I/O thread at a time (the read connection's, in reply order). */
        private volatile long arrivals;
        /** Reads sent; one sender at a time (the read thread, then arrivals or the worker holding the read). */
        private volatile long sends;
        /** When the last read went out: a read's arrival is the next one after its send (reads are answered in order). */
        private volatile long sentNanos;

        Chain(RedisCommands<String, byte[]> commands) {
            this.commands = commands;
        }

        /** Sends a read into this chain; null when the source reads one call at a time. */
        Source.Pending send(int count) {
            sentNanos = System.nanoTime();
            Source.Pending read = fresh.send(commands, count, batch -> arrived(batch, count));
            if (read != null) {
                sends = sends + 1;
                read.arrival().whenComplete((ignored, error) -> {
                    if (error != null) {
                        end.completeExceptionally(error);
                    }
                });
            }
            return read;
        }

        private void arrived(Batch batch, int count) {
            boolean slow = System.nanoTime() - sentNanos >= slowReadNanos;
            int aheadCount = aheadCount(batch.size());
            // COUNT entries or more: a backlog, Redis prepares the next batch while this one is admitted; fewer: the
            // entries go to the handler first, the next read's write (a loopback send that wakes Redis) after them
            boolean sendFirst = batch.size() >= count;
            if (aheadCount > 0 && sendFirst) {
                ahead = send(aheadCount); // its reply comes to this thread, after this arrival returned
            }
            boolean hold = aheadCount > 0 && !sendFirst && slow;
            if (hold) {
                held.set(true); // before the hand-off: the worker may send the read at once
            }
            // a stop or pause that came before the hold was set did not see it: nothing is held for it
            boolean handedWithRead = admit(commands, batch, hold && !stopping && !paused ? sendHeld : null);
            arrivals = arrivals + 1; // one writer at a time, each after the previous arrival (reply order)
            if (handedWithRead || hold && !held.compareAndSet(true, false)) {
                return; // the worker sends the next read, or a release ended the chain and it is not sent
            }
            if (aheadCount > 0 && !sendFirst) {
                ahead = send(aheadCount);
            }
            if (aheadCount == 0) {
                end.complete(null);
            }
        }

        /** On the worker, after its handler: sends the read it holds, unless it was released meanwhile. */
        private void sendHeld() {
            if (!held.compareAndSet(true, false)) {
                return;
            }
            try {
                int count = aheadCount(0); // the batch took its slots when it was admitted
                if (count == 0) {
                    end.complete(null);
                } else {
                    ahead = send(count);
                }
            } catch (RuntimeException | Error e) {
                end.completeExceptionally(e); // the read thread throws it: the worker is not the one to fail
            }
        }

        /** Gives up the read a worker holds, ending the chain: normally, or with {@code error}. */
        void release(RuntimeException error) {
            if (held.compareAndSet(true, false)) {
                if (error == null) {
                    end.complete(null);
                } else {
                    end.completeExceptionally(error);
                }
            }
        }

        /**
         * Waits for the first read (the subscription reads once Redis answered it), then for the last. A read
         * unanswered for its timeout is cancelled and fails the run, as a synchronous read would; a long chain
         * whose reads keep arriving is waited for. A read a worker held for that long is taken back: the run
         * goes on, and this thread sends the next read.
         */
        void await(Source.Pending first, Runnable onRead) {
            if (!completedWithin(first.arrival(), first.timeoutNanos())) {
                overdue(first);
            }
            onRead.run();
            long seenArrivals = arrivals;
            long seenSends = sends;
            while (true) {
                Source.Pending read = ahead != null ? ahead : first;
                if (completedWithin(end, read.timeoutNanos())) {
                    return;
                }
                if (held.compareAndSet(true, false)) {
                    return;
                }
                // overdue: a read unanswered while nothing arrived and nothing went out for a whole timeout (a read the
                // worker sent late is not; one that arrived is not, whoever is sending the next)
                if (!read.arrival().isDone() && arrivals == seenArrivals && sends == seenSends) {
                    overdue(read);
                }
                seenArrivals = arrivals;
                seenSends = sends;
            }
        }

        private static void overdue(Source.Pending read) {
            read.cancel();
            throw new RedisCommandTimeoutException("Command timed out after " + Duration.ofNanos(read.timeoutNanos()));
        }

        /** True when {@code future} completed within the timeout, false when not; throws what failed it. */
        private static boolean completedWithin(CompletableFuture<Void> future, long timeoutNanos) {
            try {
                future.get(timeoutNanos, TimeUnit.NANOSECONDS);
                return true;
            } catch (TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RedisCommandInterruptedException(e); // as a synchronous read
            } catch (ExecutionException e) {
                // the read's own error (a server error, the connection closed) or what an arrival threw
                if (e.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                if (e.getCause() instanceof Error cause) {
                    throw cause;
                }
                throw new RedisException(e.getCause());
            }
        }
    }

    private void drainHistory(RedisCommands<String, byte[]> commands, Runnable onRead) throws InterruptedException {
        history.reset();
        while (!stopping) {
            int count = awaitCount(commands);
            if (count == 0) {
                continue;
            }
            window.watchReleases(); // an entry acked while this read is on its way is not admitted again
            try {
                Batch batch = history.next(commands, count);
                onRead.run();
                if (batch == null) {
                    return;
                }
                admit(commands, batch, null);
            } finally {
                window.stopWatchingReleases();
            }
        }
    }

    private void drainPeriodic(Source source, RedisCommands<String, byte[]> commands, Runnable onRead)
            throws InterruptedException {
        while (!stopping) {
            awaitResumed();
            int free = window.free();
            if (free == 0) {
                return; // full: claiming now would exceed max-in-flight; the source tries again when due
            }
            window.watchReleases();
            try {
                Batch batch = source.next(commands, free);
                if (batch == null) {
                    return;
                }
                onRead.run();
                admit(commands, batch, null);
            } finally {
                window.stopWatchingReleases();
            }
        }
    }

    /** The COUNT of the next stream read: waits until every stream read can get at least one entry. */
    private int awaitCount(RedisCommands<String, byte[]> commands) throws InterruptedException {
        awaitResumed();
        int free = window.awaitFree(streams, options.blockTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (free < streams && !stopping && !commands.getStatefulConnection().isOpen()) {
            // a full window sends no command, so nothing else would notice that the connection is gone
            throw new RedisConnectionException("read connection closed while waiting for in-flight capacity");
        }
        return Math.min(options.batchSize(), free / streams);
    }

    /**
     * The COUNT of the read sent after a batch of {@code read} entries not yet admitted, or 0 for none: only when
     * nothing else is due on the connection (history, a claim pass, a pause or stop) and the window has room for
     * both batches. A batch short of its COUNT sends one too: the read blocks in Redis until entries
     * come, as the read thread's would, and the two wake-ups of a round through the read thread (reply to it, its
     * read back to the I/O thread) are saved on every read at rates below a backlog.
     */
    private int aheadCount(int read) {
        if (stopping || paused || historyDue || !running) {
            return 0;
        }
        for (Source source : periodic) {
            if (source.due()) {
                return 0;
            }
        }
        int free = window.free() - read; // the batch takes its slots when admitted, after this read went out
        return free < streams ? 0 : Math.min(options.batchSize(), free / streams);
    }

    /**
     * Takes slots for what a source read and routes each entry: to the settler on arrival, then what it
     * does not keep to the handler.
     *
     * @param after for new entries: what a worker waiting for work runs after handling them; null for nothing
     * @return true when a worker took {@code after} with the entries
     */
    private boolean admit(RedisCommands<String, byte[]> commands, Batch batch, Runnable after) {
        if (!batch.deleted().isEmpty()) {
            settler.trimmedAway(batch.stream(), batch.deleted());
        }
        if (batch.origin() == Origin.NEW) {
            return admitFirst(batch.entries(), after);
        }
        List<StreamMessage<String, byte[]>> messages = batch.messages();
        if (messages.isEmpty()) {
            return false;
        }
        Map<String, Map<String, Long>> failures = failureCounts(commands, messages);
        List<StreamEntry> toHandle = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            StreamMessage<String, byte[]> message = messages.get(i);
            String stream = message.getStream();
            String id = message.getId();
            Map<String, byte[]> body = message.getBody();
            boolean trimmed = body == null || body.isEmpty();
            Map<String, byte[]> fields = trimmed ? Map.of() : body;
            // the read script set its count back; the hand-over it is about to get makes it this delivery again
            long deliveries = batch.deliveries().get(i); // 0: no longer pending here
            StreamEntry entry = deliveries > 0 ? StreamEntry.ofBytes(stream, id, fields, deliveries)
                    : StreamEntry.ofBytes(stream, id, fields);
            if (!window.admit(entry)) {
                continue; // still in flight here
            }
            if (batch.origin() == Origin.CLAIM) {
                metrics.stream(stream).claimed(1);
            } else {
                metrics.stream(stream).read(1);
            }
            long failed = failures.getOrDefault(stream, Map.of()).getOrDefault(id, 0L);
            if (settler.arrived(entry, trimmed, failed)) {
                toHandle.add(entry);
            }
        }
        handOff.accept(toHandle);
        return false;
    }

    /**
     * First deliveries (the hot path): they never failed and have nothing to settle on arrival, so they
     * go straight to the handler; the read counter moves once per run of one stream's entries.
     */
    private boolean admitFirst(List<StreamEntry> read, Runnable after) {
        if (read.isEmpty()) {
            return false;
        }
        List<StreamEntry> toHandle = window.admitAll(read);
        metrics.countByStream(toHandle, Meters.StreamMeters::read);
        if (after != null && handOff.acceptThen(toHandle, after)) {
            return true;
        }
        handOff.accept(toHandle);
        return false;
    }

    /** Failure counts of entries that arrived again, by stream and ID (only those with failures). */
    private Map<String, Map<String, Long>> failureCounts(RedisCommands<String, byte[]> commands,
            List<StreamMessage<String, byte[]>> messages) {
        Map<String, List<String>> idsByStream = new HashMap<>();
        for (StreamMessage<String, byte[]> message : messages) {
            idsByStream.computeIfAbsent(message.getStream(), s -> new ArrayList<>()).add(message.getId());
        }
        Map<String, Map<String, Long>> counts = new HashMap<>();
        idsByStream.forEach((stream, ids) -> {
            long[] failed = settler.failureCounts(commands, stream, ids);
            for (int i = 0; i < ids.size(); i++) {
                if (failed[i] > 0) {
                    counts.computeIfAbsent(stream, s -> new HashMap<>()).put(ids.get(i), failed[i]);
                }
            }
        });
        return counts;
    }
}
