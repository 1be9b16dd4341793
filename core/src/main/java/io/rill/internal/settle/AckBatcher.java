package io.rill.internal.settle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.api.async.RedisAsyncCommands;
import io.rill.StreamEntry;
import io.rill.internal.checkpoint.AckJournal;
import io.rill.internal.checkpoint.AckJournal.Commit;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.connect.Failure;
import io.rill.internal.connect.Xack;
import io.rill.internal.metrics.Meters;
import io.rill.internal.window.InFlightWindow;

/**
 * Coalesces the acks of one subscription into one XACK per stream per flush (semantics 2). A flush
 * runs when a stream has {@code flushSize} acks waiting or {@code flushInterval} after acks began to
 * wait, whichever comes first ({@link FlushTimer}: a quiet subscription has no timer ticking); while
 * an XACK of the stream is still unanswered, a full stream waits for that answer and goes out from
 * its callback with everything that gathered meanwhile, so under load XACKs grow with the round trip
 * instead of multiplying (and are written from Lettuce's own thread). With a journal that a worker writes itself
 * ({@code interval}, {@code never}) that answer leaves the full flush to a worker's next ack when one is sure to come
 * ({@link #leaveToWorker}): from the I/O thread it would go through the journal's writer, a wake-up and an XACK
 * sent from outside the event loop per flush (docs/benchmarks.md, fifteenth pass). XACKs go out on the command
 * connection given (the shared one; with replica-acks one of the subscription's own, as each is followed by a
 * WAIT) without waiting for each other; a confirmed XACK gives the entries' in-flight
 * slots back. A failed XACK puts its IDs back to be sent with the next flush: the entries stay in
 * flight (and pending in Redis) until Redis confirms.
 *
 * <p>With a checkpoint journal (semantics 4) a flush first appends its IDs to the journal, and each
 * XACK is sent once its journal record is as durable as the fsync policy says. Confirmed XACKs are
 * recorded in the journal; failed ones are retried without journaling them again. The commits a
 * previous process left unconfirmed are XACKed with the first flush. A broken journal is reported once
 * to the supervisor, which stops the subscription.
 */
final class AckBatcher {

    private static final Logger log = LoggerFactory.getLogger(AckBatcher.class);

    private final String group;
    private final String description;
    private final CommandConnection connection;
    private final InFlightWindow window;
    private final Meters metrics;
    private final int flushSize;
    private final Map<String, List<String>> waiting = new HashMap<>();
    /** Per stream: XACKs sent (or being journaled) and not yet answered; guarded by this. */
    private final Map<String, int[]> unanswered = new HashMap<>();
    private final AtomicInteger outstanding = new AtomicInteger();
    /** Workers' successes gathering now; every flush takes what they hold. */
    private final Set<Successes> gathering = ConcurrentHashMap.newKeySet();
    private final FlushTimer interval;
    private volatile boolean failing;
    /** Null when the journal is off. */
    private final AckJournal journal;
    /** Journaled, XACK still to be (re)sent; guarded by this. */
    private final List<Commit> journaled = new ArrayList<>();
    private int journaledIds;
    private volatile Throwable journalFailure;
    /** Redis refused an XACK in a way retrying cannot fix; guarded by this. */
    private boolean refused;
    private final Consumer<RuntimeException> fatal;
    /** Where a gathering's runs go, made once rather than per unit of work: handed by a flush, or by its worker. */
    private final Consumer<List<StreamEntry>> handedByFlush = entries -> handled(entries, false);
    private final Consumer<List<StreamEntry>> handedByWorker = entries -> handled(entries, true);
    private final Consumer<Successes> closedOnWorker = this::closed;
    /** The subscription's id ({@code group/consumer/streams}), for messages. */
    private final String id;
    /** replica-acks: replicas that must have an XACK (WAIT) before its entries count as acknowledged; 0 for no WAIT. */
    private final int replicaAcks;
    private final long replicaAckTimeoutMillis;

    /**
     * @param journal where acks are journaled before their XACK; null for none
     * @param fatal   told of what retrying cannot fix (the journal broke, Redis refuses XACK), from any thread
     */
    AckBatcher(String id, String group, List<String> streams, String description, CommandConnection connection,
            InFlightWindow window, Meters metrics, int flushSize, Duration flushInterval,
            ScheduledExecutorService timer, AckJournal journal, Consumer<RuntimeException> fatal, int replicaAcks,
            Duration replicaAckTimeout) {
        this.replicaAcks = replicaAcks;
        this.replicaAckTimeoutMillis = replicaAckTimeout.toMillis();
        this.journal = journal;
        this.fatal = fatal;
        this.id = id;
        if (journal != null) {
            for (Commit commit : journal.unacked()) {
                journaled.add(commit);
                journaledIds += commit.ids().size();
            }
        }
        this.group = group;
        this.description = description;
        this.connection = connection;
        this.window = window;
        this.metrics = metrics;
        this.flushSize = flushSize;
        for (String stream : streams) {
            waiting.put(stream, new ArrayList<>(flushSize));
            unanswered.put(stream, new int[1]);
        }
        this.interval = new FlushTimer(timer, flushInterval, this::flush, this::waitsForFlush,
                "Ack flush for " + description);
        if (!journaled.isEmpty()) {
            interval.arm(); // a previous process's unconfirmed commits go out with the first flush
        }
    }

    /** Queues the ack of one handled entry. */
    void acknowledge(StreamEntry entry) {
        List<String> ready = null;
        synchronized (this) {
            List<String> ids = waiting.get(entry.stream());
            ids.add(entry.id());
            if (ids.size() >= flushSize && unanswered.get(entry.stream())[0] == 0) {
                ready = take(entry.stream());
            }
        }
        interval.arm();
        if (ready != null) {
            send(entry.stream(), ready, false);
        }
    }

    /**
     * Queues the acks of several handled entries, under one acquisition of the lock per run of one stream's entries.
     *
     * @param onWorker true on a worker thread, which may write the journal itself ({@link AckJournal#append})
     */
    void acknowledge(List<StreamEntry> entries, boolean onWorker) {
        int from = 0;
        while (from < entries.size()) {
            String stream = entries.get(from).stream();
            List<String> ready = null;
            synchronized (this) {
                List<String> ids = waiting.get(stream);
                int[] inFlight = unanswered.get(stream);
                for (; from < entries.size() && entries.get(from).stream().equals(stream); from++) {
                    ids.add(entries.get(from).id());
                    if (ids.size() >= flushSize && inFlight[0] == 0) {
                        ready = take(stream);
                        from++;
                        break; // sent below; the rest of the run goes to the next list
                    }
                }
            }
            interval.arm();
            if (ready != null) {
                send(stream, ready, onWorker);
            }
        }
    }

    /** Opens a worker's gathering of successes for a unit of work of {@code capacity} entries; close it when the unit ends. */
    Successes gather(int capacity) {
        Successes successes = new Successes(handedByFlush, handedByWorker, closedOnWorker, flushSize, capacity);
        gathering.add(successes);
        interval.arm(); // takes what a long unit gathers, so that a slow handler call holds no acks back
        return successes;
    }

    /** A gathering ended (on its worker): flushes no longer look at it, and what it holds is queued. */
    void closed(Successes successes) {
        gathering.remove(successes);
        successes.handOnByWorker();
    }

    /**
     * Counts successes as handled and queues their acks.
     *
     * @param onWorker true on a worker thread, which may write the journal itself
     */
    void handled(List<StreamEntry> entries, boolean onWorker) {
        if (!entries.isEmpty()) {
            metrics.countByStream(entries, Meters.StreamMeters::handled);
            acknowledge(entries, onWorker);
        }
    }

    /** Sends every waiting ack now, gathered successes included. */
    void flush() {
        for (Successes successes : gathering) {
            successes.handOn();
        }
        Map<String, List<String>> ready = new HashMap<>();
        List<Commit> again = null;
        synchronized (this) {
            for (Map.Entry<String, List<String>> e : waiting.entrySet()) {
                if (!e.getValue().isEmpty()) {
                    ready.put(e.getKey(), take(e.getKey()));
                }
            }
            if (!journaled.isEmpty()) {
                again = new ArrayList<>(journaled);
                journaled.clear();
                outstanding.addAndGet(journaledIds);
                journaledIds = 0;
            }
        }
        ready.forEach((stream, ids) -> send(stream, ids, false));
        if (again != null) {
            resend(again);
        }
    }

    /** Acks queued or sent and not yet confirmed. */
    synchronized int pending() {
        int queued = journaledIds;
        for (List<String> ids : waiting.values()) {
            queued += ids.size();
        }
        return queued + outstanding.get();
    }

    /**
     * True when the checkpoint journal holds this entry from before the start: it was handled, and
     * its XACK is not known to have reached Redis. A history read acks it without the handler.
     */
    boolean journaled(StreamEntry entry) {
        return journal != null && journal.contains(entry.stream(), entry.id());
    }

    /**
     * Waits until every ack queued so far is confirmed by Redis (failed ones are retried by the interval
     * flush meanwhile), or the timeout passes, or Redis refused an XACK for good (a permission: the
     * subscription fails, and waiting would only use up its stop's time).
     *
     * @return true when nothing is left to confirm
     */
    synchronized boolean awaitSent(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (pending() > 0 && !refused) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
        }
        return true;
    }

    /** Stops the interval flush; queued acks are not sent by it any more. */
    void stop() {
        interval.stop();
    }

    /** After an interval flush: whether the next one has anything to do (acks waiting or gathering, XACKs to resend). */
    private boolean waitsForFlush() {
        if (!gathering.isEmpty()) {
            return true;
        }
        synchronized (this) {
            if (!journaled.isEmpty()) {
                return true;
            }
            for (List<String> ids : waiting.values()) {
                if (!ids.isEmpty()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Takes a stream's waiting acks for one XACK; call holding the lock. */
    private List<String> take(String stream) {
        List<String> ids = waiting.get(stream);
        waiting.put(stream, new ArrayList<>(Math.max(flushSize, ids.size())));
        unanswered.get(stream)[0]++;
        // counted as sent while still under the lock, so that pending() never misses them in between
        outstanding.addAndGet(ids.size());
        return ids;
    }

    /**
     * Journals the IDs (when a journal is on), then sends their XACK.
     *
     * @param onWorker true on a worker thread: the journal may write the record on it and the XACK goes out from
     *                 it, as without a journal; elsewhere (Lettuce's event loop, the shared timer) the journal's
     *                 writer writes the record and sends the XACK
     */
    private void send(String stream, List<String> ids, boolean onWorker) {
        if (journal == null) {
            xack(stream, ids, List.of());
            return;
        }
        CompletableFuture<Commit> commit;
        try {
            commit = journal.append(stream, ids, onWorker);
        } catch (RuntimeException e) {
            commit = CompletableFuture.failedFuture(e);
        }
        // runs once the record is durable: on the journal's writer, or here when it is already complete
        commit.whenComplete((journaled, error) -> {
            if (error != null) {
                journalFailed(error);
                xack(stream, ids, List.of(Commit.unjournaled(stream, ids)));
                return;
            }
            xack(stream, ids, List.of(journaled));
        });
    }

    /** XACKs journaled commits again, one XACK per stream. */
    private void resend(List<Commit> commits) {
        Map<String, List<Commit>> byStream = new HashMap<>();
        for (Commit commit : commits) {
            byStream.computeIfAbsent(commit.stream(), k -> new ArrayList<>()).add(commit);
        }
        byStream.forEach((stream, ofStream) -> {
            List<String> ids = new ArrayList<>();
            for (Commit commit : ofStream) {
                ids.addAll(commit.ids());
            }
            synchronized (this) {
                unanswered.computeIfAbsent(stream, k -> new int[1])[0]++;
            }
            xack(stream, ids, ofStream);
        });
    }

    /**
     * Sends one XACK; the IDs are already counted in {@code outstanding}.
     *
     * @param commits the journal commits the IDs belong to; empty without a journal
     */
    private void xack(String stream, List<String> ids, List<Commit> commits) {
        CompletableFuture<RedisAsyncCommands<String, String>> ready;
        try {
            ready = connection.ready(); // never waits for a connect: a stop's last flush must not
        } catch (RuntimeException e) {
            failed(stream, ids, commits, e, null);
            return;
        }
        ready.whenComplete((commands, notConnected) -> {
            if (notConnected != null) {
                failed(stream, ids, commits, notConnected, null);
                return;
            }
            CompletableFuture<Long> reply;
            try {
                reply = Xack.send(commands, stream, group, ids.toArray(new String[0])).toCompletableFuture();
                if (replicaAcks > 0) {
                    // WAIT on the same connection covers this XACK and the reads before it: only then is the ack
                    // safe from a failover (semantics 13)
                    reply = reply.thenCompose(count -> commands.waitForReplication(replicaAcks, replicaAckTimeoutMillis)
                            .toCompletableFuture().thenApply(replicas -> {
                                if (replicas < replicaAcks) {
                                    throw new ReplicaAcksMissing(replicas, replicaAcks, replicaAckTimeoutMillis);
                                }
                                return count;
                            }));
                }
            } catch (RuntimeException e) {
                failed(stream, ids, commits, e, commands);
                return;
            }
            reply.whenComplete((count, error) -> {
                if (error != null) {
                    failed(stream, ids, commits, error, commands);
                    return;
                }
                if (!commits.isEmpty()) {
                    journal.acked(commits);
                }
                window.release(stream, ids);
                metrics.stream(stream).acked(ids.size());
                List<String> next;
                synchronized (this) {
                    outstanding.addAndGet(-ids.size());
                    notifyAll();
                    next = answered(stream);
                }
                if (failing) {
                    failing = false;
                    log.info("Acks flowing again for {}", description);
                }
                if (next != null) {
                    send(stream, next, false); // what filled up while this XACK was on its way
                }
            });
        });
    }

    /** Fewer replicas than replica-acks had an XACK within replica-ack-timeout: the XACK is sent again. */
    static final class ReplicaAcksMissing extends RuntimeException {
        ReplicaAcksMissing(long replicas, int wanted, long timeoutMillis) {
            super("WAIT " + wanted + " " + timeoutMillis + ": " + replicas + " replica(s) acknowledged the XACK, "
                    + wanted + " wanted (replica-acks); the entries stay in flight and the XACK is sent again");
        }
    }

    private void failed(String stream, List<String> ids, List<Commit> commits, Throwable error,
            RedisAsyncCommands<String, String> used) {
        boolean permanent = Failure.of(error) == Failure.FATAL;
        synchronized (this) {
            if (commits.isEmpty()) {
                waiting.get(stream).addAll(0, ids);
            } else {
                journaled.addAll(commits); // already journaled: only the XACK is retried
                journaledIds += ids.size();
            }
            outstanding.addAndGet(-ids.size());
            unanswered.get(stream)[0]--; // nothing sent from here: the next flush retries
            if (permanent) {
                refused = true; // a stop does not wait for acks Redis will not take
                notifyAll();
            }
        }
        interval.arm(); // the next flush sends them again
        if (metrics.stream(stream) != null) { // a stream of an old journal may no longer be subscribed to
            metrics.stream(stream).ackFailed(ids.size());
        }
        if (!failing) {
            failing = true;
            log.warn("XACK failed for {} on stream {}; {} acks kept and retried with the next flush: {}",
                    description, stream, ids.size(), error.toString());
        }
        connection.failed(used, error); // READONLY: the next flush goes out on a new connection
        if (permanent) {
            fatal.accept(new IllegalStateException("Redis refuses XACK on stream " + stream + " for " + description
                    + " (" + Failure.unwrap(error).getMessage() + "): acks can't be sent; give the user the "
                    + "permissions docs/operations.md lists", Failure.unwrap(error)));
        }
    }

    /**
     * Counts an XACK of the stream as answered; when it was the last one and a full flush waited for it,
     * takes that flush. Call holding the lock.
     */
    private List<String> answered(String stream) {
        int[] count = unanswered.get(stream);
        count[0]--;
        List<String> ids = waiting.get(stream);
        if (count[0] != 0 || ids == null || ids.size() < flushSize) {
            return null;
        }
        return leaveToWorker(journal != null && journal.writesOnCaller(), waiting.size(), window.size(), pending())
                ? null : take(stream);
    }

    /**
     * Whether a full flush, found on an XACK's answer (Lettuce's I/O thread, which must not write a disk), is left to a
     * worker's next ack (semantics 2's size trigger, on a thread that writes the journal itself) rather than queued to the
     * journal's writer now: only when a worker's ack is sure to come, some entry in flight not yet being one of the
     * acks, and will see it, the subscription having one stream. Else, or when the entries in flight end up failing
     * instead, the flush goes out from here or with the interval flush, as before.
     *
     * @param journalOnCaller the journal writes a worker's record on the worker ({@link AckJournal#writesOnCaller()})
     * @param inFlight        the window's entries: handled and waiting for their ack, queued, or in a handler
     * @param acksPending     acks waiting, journaled for a retry, or sent and unanswered
     */
    static boolean leaveToWorker(boolean journalOnCaller, int streams, int inFlight, int acksPending) {
        return journalOnCaller && streams == 1 && inFlight > acksPending;
    }

    private void journalFailed(Throwable error) {
        synchronized (this) {
            if (journalFailure != null) {
                return; // one line per failure, whichever thread saw it first
            }
            journalFailure = error;
        }
        log.error("Checkpoint journal of {} failed: acks go to Redis without it and the subscription stops: {}",
                description, error.toString());
        fatal.accept(new IllegalStateException("checkpoint journal of " + id + " failed (" + error
                + "); acks were sent without it. Fix the disk under checkpoint.directory and restart the "
                + "subscription, or set checkpoint.journal to off", error));
    }
}
