package io.rill.internal.settle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.Output;
import io.rill.SubscriptionOptions;
import io.rill.StreamEntry;
import io.rill.deadletter.DeadLetter;
import io.rill.internal.checkpoint.AckJournal;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.connect.DeliveryCounts;
import io.rill.internal.connect.Failure;
import io.rill.internal.metrics.Meters;
import io.rill.internal.output.Commit;
import io.rill.internal.settle.FailureLedger.Result;
import io.rill.internal.settle.FailureLedger.Status;
import io.rill.internal.window.InFlightWindow;

/**
 * The settlement seam: every entry that took an in-flight slot ends here, whatever its outcome, and
 * leaves as an XACK (batched, journaled first when a journal is on), a dead letter, or a release that
 * leaves it pending in Redis. What to do is the {@link DeliveryPolicy}'s call; this class carries it out.
 * <ul>
 *   <li>on arrival: trimmed or journaled entries are acked, entries past max-failures or the crash-loop
 *       guard dead-lettered, the rest handed to the handler;</li>
 *   <li>success (or a manual ack): acked; a failure record it had is removed;</li>
 *   <li>failure (or a manual nack): counted in Redis; dead-lettered at the threshold, else retried when the
 *       caller wants it and failures are left, else released;</li>
 *   <li>not run because of a stop: released, never counted.</li>
 * </ul>
 * Thread-safe: workers, the read thread and Redis callbacks call it.
 */
public final class Settler {

    private static final Logger log = LoggerFactory.getLogger(Settler.class);
    /**
     * How long a worker waits for Redis to record a failure before it gives up on the entry (released,
     * pending in Redis). A retry needs the count, and a failure path may wait; it is bounded so that a
     * Redis outage does not hold a worker past a stop.
     */
    private static final long RECORD_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final DeliveryPolicy policy;
    private final FailureLedger ledger;
    private final AckBatcher acks;
    /** Commits of inputs with their outputs (semantics 12); idle unless the handler returns outputs. */
    private final OutputBatcher outputs;
    private final InFlightWindow window;
    private final Meters metrics;
    private final String description;
    private final SubscriptionOptions options;
    /** In-flight entries with failures recorded in Redis, so that their ack also removes the record. */
    private final Map<StreamEntry, Long> failures = new ConcurrentHashMap<>();
    /** Entries that arrived again, with their count set back: raised to this value when a handler gets them. */
    private final Map<StreamEntry, Long> redelivered = new ConcurrentHashMap<>();
    /** Entries that arrived again and were handed over: their success is made durable at once. */
    private final Set<StreamEntry> handedAgain = ConcurrentHashMap.newKeySet();
    /** Per worker: its last such success, whose ack is awaited with the next hand-over's mark. */
    private final ThreadLocal<StreamEntry> unconfirmed = new ThreadLocal<>();
    private final CommandConnection connection;
    private final Consumer<RuntimeException> fatal;
    /** Failure records and moves sent and not yet answered; guarded by this. */
    private int outstandingMoves;
    private volatile boolean recordingFails;

    /**
     * @param id            the subscription's id ({@code group/consumer/streams}), for messages
     * @param ackConnection where XACKs go: {@code connection}, or one of the subscription's own when each is
     *                      followed by a WAIT (replica-acks)
     * @param journal       where acks are journaled before their XACK; null for none
     * @param fatal         told of what retrying cannot fix (the journal broke, Redis refuses a command for lack
     *                      of permission), from any thread: the subscription fails with it
     */
    public Settler(SubscriptionOptions options, String id, String description, CommandConnection connection,
            CommandConnection ackConnection, InFlightWindow window, Meters metrics, ScheduledExecutorService timer,
            AckJournal journal, Consumer<RuntimeException> fatal) {
        this.options = options;
        this.policy = new DeliveryPolicy(options.deadLetter(), options.retry());
        this.ledger = new FailureLedger(options.deadLetter(), options.group(), options.consumer(), connection);
        this.acks = new AckBatcher(id, options.group(), options.streams(), description, ackConnection, window, metrics,
                options.ackFlushSize(), options.ackFlushInterval(), timer, journal, fatal, options.replicaAcks(),
                options.replicaAckTimeout());
        this.outputs = new OutputBatcher(options.group(), description, connection, window, metrics, options.ackFlushSize(),
                options.ackFlushInterval(), timer, fatal, refused -> failed(refused, Set.of()));
        this.fatal = fatal;
        this.window = window;
        this.metrics = metrics;
        this.description = description;
        this.connection = connection;
    }

    // ---- arrival ---------------------------------------------------------------------------------

    /**
     * The failure counts of entries of one stream that arrived again (history read, claim), read on the
     * admission's connection; zeros when failures are not counted.
     */
    public long[] failureCounts(RedisCommands<String, byte[]> commands, String stream, List<String> ids) {
        return policy.countsFailures() ? ledger.counts(commands, stream, ids) : new long[ids.size()];
    }

    /**
     * Settles an entry that arrived again (history read, claim) and just took its in-flight slot, when
     * the policy says it is not for the handler. A first delivery ({@code >}) has nothing to settle on
     * arrival and does not come here.
     *
     * @param trimmed      Redis returned only its ID (deleted or trimmed while pending)
     * @param failureCount failed attempts recorded for it so far
     * @return true when the entry goes to the handler
     */
    public boolean arrived(StreamEntry entry, boolean trimmed, long failureCount) {
        switch (policy.onArrival(trimmed, acks.journaled(entry), entry.deliveryCount().orElse(1), failureCount)) {
            case HANDLE -> {
                if (failureCount > 0) {
                    failures.put(entry, failureCount);
                }
                if (entry.deliveryCount().orElse(0) > 1) {
                    redelivered.put(entry, entry.deliveryCount().getAsLong());
                }
                return true;
            }
            case ACK_TRIMMED -> {
                metrics.stream(entry.stream()).trimmed(1);
                ack(entry, failureCount > 0);
            }
            case ACK_JOURNALED -> {
                metrics.stream(entry.stream()).deduplicated(1);
                ack(entry, failureCount > 0);
            }
            case DEAD_LETTER_FAILED -> moveOnArrival(entry, DeadLetter.REASON_FAILED);
            case DEAD_LETTER_CRASH_LOOP -> moveOnArrival(entry, DeadLetter.REASON_CRASH_LOOP);
        }
        return false;
    }

    /** IDs Redis removed from the PEL itself (XAUTOCLAIM's deleted list): counted, their failure records dropped. */
    public void trimmedAway(String stream, List<String> ids) {
        metrics.stream(stream).trimmed(ids.size());
        if (policy.countsFailures()) {
            ledger.forget(stream, ids);
        }
    }

    private void moveOnArrival(StreamEntry entry, String reason) {
        settleLater(entry, ledger.move(entry, DeliveryPolicy.NOW, reason), reason);
    }

    /** Settles the entry when Redis answers; a stop waits for these (see {@link #awaitSettled}). */
    private void settleLater(StreamEntry entry, CompletableFuture<Result> reply, String reason) {
        synchronized (this) {
            outstandingMoves++;
        }
        reply.whenComplete((result, error) -> {
            try {
                release(entry);
                report(entry, reason, result, error);
            } finally {
                synchronized (this) {
                    outstandingMoves--;
                    notifyAll();
                }
            }
        });
    }

    // ---- hand-over ---------------------------------------------------------------------------------

    /**
     * Called right before a handler gets these entries: the ones that arrived again get their delivery
     * count raised in Redis, and the call waits for it, and for the ack of this worker's previous such
     * success, so that a handler that kills the process has been counted and the successes before it are
     * on record (the crash-loop guard). A first delivery costs nothing here.
     */
    public void handingOver(List<StreamEntry> entries) {
        // first deliveries (the hot path) stop here; a success left in `unconfirmed` meanwhile was acked or
        // is still in flight, so awaiting it at a later hand-over is never wrong
        if (redelivered.isEmpty()) {
            return;
        }
        StreamEntry previous = unconfirmed.get();
        if (previous != null) {
            unconfirmed.remove();
        }
        Map<String, Map<String, Long>> marks = new LinkedHashMap<>();
        for (StreamEntry entry : entries) {
            Long count = redelivered.remove(entry);
            if (count != null) {
                handedAgain.add(entry);
                marks.computeIfAbsent(entry.stream(), s -> new LinkedHashMap<>()).put(entry.id(), count);
            }
        }
        if (marks.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + RECORD_WAIT_NANOS;
        try {
            List<CompletableFuture<Long>> replies = new ArrayList<>();
            marks.forEach((stream, counts) -> replies.add(connection.async().<Long> eval(DeliveryCounts.SCRIPT,
                    ScriptOutputType.INTEGER, new String[] { stream },
                    DeliveryCounts.args(options.group(), options.consumer(), counts)).toCompletableFuture()));
            if (previous != null) {
                // the previous success's XACK and this mark travel together: one round trip, not two
                window.awaitReleased(previous, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            for (CompletableFuture<Long> reply : replies) {
                reply.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // handed over uncounted: the guard sees one delivery fewer, the entry is not held back for it
            log.debug("Could not count the delivery of {} entries for {}: {}", entries.size(), description, e.toString());
        }
    }

    /** As {@link #handingOver(List)} for one entry, without a list when nothing arrived again. */
    public void handingOver(StreamEntry entry) {
        if (!redelivered.isEmpty()) {
            handingOver(List.of(entry));
        }
    }

    // ---- outcomes --------------------------------------------------------------------------------

    /**
     * The handler succeeded (or the entry was acked by hand): acked with the next flush. An entry that
     * arrived again is flushed at once and, with {@code mayWait}, its ack is awaited before this worker
     * hands over the next entry that arrived again (with that entry's mark, see {@link #handingOver}): in
     * a crash loop its success must be on record before the next handler can kill the process, or the
     * crash-loop guard would count a delivery that had an outcome. First deliveries never wait.
     *
     * @param mayWait false on threads that must not block on Redis (a manual ack may come from any thread)
     */
    public void succeeded(StreamEntry entry, boolean mayWait) {
        metrics.stream(entry.stream()).handled(1);
        ack(entry, !failures.isEmpty() && failures.remove(entry) != null);
        if (!handedAgain.isEmpty() && handedAgain.remove(entry)) {
            acks.flush();
            if (mayWait) {
                unconfirmed.set(entry);
            }
        }
    }

    /**
     * As {@link #succeeded(StreamEntry, boolean)} for several entries: entries that arrived for the first time
     * are counted and queued for their XACK together (one lock and one meter update per run of one stream).
     */
    public void succeeded(List<StreamEntry> entries, boolean mayWait) {
        if (entries.isEmpty()) {
            return;
        }
        if (!failures.isEmpty() || !handedAgain.isEmpty()) {
            // an entry's failures and hand-over were recorded before its handler ran, so these checks see them
            entries.forEach(entry -> succeeded(entry, mayWait));
            return;
        }
        acks.handled(entries, mayWait);
    }

    /**
     * Opens where this worker's successes of one unit of work of {@code capacity} entries gather (see
     * {@link Successes}); close it when the unit ends. Report each success with {@link #succeeded(StreamEntry, Successes)}.
     */
    public Successes gather(int capacity) {
        return acks.gather(capacity);
    }

    /**
     * As {@link #succeeded(StreamEntry, boolean)} on a worker, the success gathered with others when that
     * changes nothing: a first delivery's ack may travel with the next flush anyway. An entry with failures
     * on record or that arrived again is settled at once, as before.
     */
    public void succeeded(StreamEntry entry, Successes gathered) {
        // an entry's failures and hand-over were recorded before its handler ran, so these checks see them
        if (failures.isEmpty() && handedAgain.isEmpty()) {
            gathered.add(entry);
        } else {
            succeeded(entry, true);
        }
    }

    /**
     * A handler that returns outputs succeeded: the outputs are written and the entry acked together, in
     * one script call with others (semantics 12). An entry that arrived again is flushed at once and its
     * commit awaited before this worker hands over the next such entry, as for {@link #succeeded}.
     */
    public void succeeded(StreamEntry entry, List<Output> written) {
        metrics.stream(entry.stream()).handled(1);
        outputs.commit(new Commit(entry, written, !failures.isEmpty() && failures.remove(entry) != null));
        if (!handedAgain.isEmpty() && handedAgain.remove(entry)) {
            outputs.flush();
            unconfirmed.set(entry);
        }
    }

    private void ack(StreamEntry entry, boolean hadFailures) {
        if (hadFailures) {
            ledger.forget(entry.stream(), List.of(entry.id()));
        }
        acks.acknowledge(entry);
    }

    /**
     * One attempt failed (or the entry was nacked). Counts the failure in Redis; when another attempt is
     * wanted, waits for the count to know whether it may go ahead, else settles when Redis answers.
     *
     * @param retryWanted the retry options allow another attempt for this error
     * @return true when the caller should try again; otherwise the entry is settled (dead-lettered or released)
     */
    public boolean failed(StreamEntry entry, Throwable error, boolean retryWanted) {
        return !failed(Map.of(entry, error), retryWanted ? Set.of(entry) : Set.of()).isEmpty();
    }

    /**
     * As {@link #failed(StreamEntry, Throwable, boolean)} for several entries of one handler call, their
     * failures recorded together.
     *
     * @return the entries to try again, in the given order; every other one is settled
     */
    public List<StreamEntry> failed(Map<StreamEntry, Throwable> failed, Set<StreamEntry> retryWanted) {
        List<StreamEntry> again = new ArrayList<>();
        if (!policy.countsFailures()) {
            failed.forEach((entry, error) -> {
                if (retryWanted.contains(entry)) {
                    again.add(entry);
                } else {
                    metrics.stream(entry.stream()).failed(1);
                    release(entry);
                }
            });
            return again;
        }
        Map<StreamEntry, CompletableFuture<Result>> replies = new LinkedHashMap<>();
        failed.forEach((entry, error) -> {
            String reason = policy.failureReason(error);
            CompletableFuture<Result> reply = ledger.fail(entry, policy.failureThreshold(error), reason, error);
            if (retryWanted.contains(entry)) {
                replies.put(entry, reply); // another attempt needs the count: wait for it below
            } else {
                metrics.stream(entry.stream()).failed(1);
                settleLater(entry, reply, reason); // nothing to decide here: don't wait
            }
        });
        long deadline = System.nanoTime() + RECORD_WAIT_NANOS;
        for (Map.Entry<StreamEntry, CompletableFuture<Result>> reply : replies.entrySet()) {
            StreamEntry entry = reply.getKey();
            Throwable error = failed.get(entry);
            Result result;
            try {
                result = reply.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                recordFailed(entry, e instanceof ExecutionException ? e.getCause() : e);
                metrics.stream(entry.stream()).failed(1);
                release(entry);
                continue;
            }
            if (recordingFails) {
                recordingFails = false;
                log.info("Failures are recorded again for {}", description);
            }
            if (result.status() == Status.COUNTED && policy.belowMaxFailures(result.failures())) {
                failures.put(entry, result.failures());
                again.add(entry);
                continue;
            }
            metrics.stream(entry.stream()).failed(1);
            failures.remove(entry);
            window.release(entry);
            report(entry, policy.failureReason(error), result, null);
        }
        return again;
    }

    /** Gives back the slot of an entry that will not run now (a stop); it stays pending, nothing is counted. */
    public void abandoned(StreamEntry entry) {
        release(entry);
    }

    private void release(StreamEntry entry) {
        failures.remove(entry);
        redelivered.remove(entry);
        handedAgain.remove(entry);
        window.release(entry);
    }

    private void recordFailed(StreamEntry entry, Throwable error) {
        metrics.stream(entry.stream()).deadLetterFailed(1);
        if (Failure.of(error) == Failure.FATAL) {
            fatal.accept(new IllegalStateException("Redis refuses the failure script for " + description + " ("
                    + Failure.unwrap(error).getMessage() + "): failures can't be counted nor entries dead-lettered; "
                    + "give the user the permissions docs/operations.md lists", Failure.unwrap(error)));
        }
        if (!recordingFails) {
            recordingFails = true;
            log.warn("Could not record a failure of {} {} for {} in Redis; the entry stays pending and is delivered "
                    + "again: {}", entry.stream(), entry.id(), description, String.valueOf(error));
        }
    }

    private void report(StreamEntry entry, String reason, Result result, Throwable error) {
        if (error != null) {
            recordFailed(entry, error); // pending in Redis: it arrives again and is judged then
            return;
        }
        switch (result.status()) {
            case MOVED -> {
                metrics.stream(entry.stream()).deadLettered(1);
                log.warn("Dead-lettered {} {} to {} for {} ({}, {} failures, {} deliveries)", entry.stream(), entry.id(),
                        options.deadLetter().streamFor(entry.stream()), description, reason, result.failures(),
                        result.deliveries());
            }
            case TRIMMED -> metrics.stream(entry.stream()).trimmed(1);
            case HELD_ELSEWHERE -> log.debug("{} {} failed here for {} but another consumer holds it now; left to it",
                    entry.stream(), entry.id(), description);
            default -> log.debug("{} {} for {}: {} after {} failures", entry.stream(), entry.id(), description,
                    result.status(), result.failures());
        }
    }

    // ---- life cycle ------------------------------------------------------------------------------

    /**
     * XACKs what the checkpoint journal holds from before the start and waits for Redis to confirm, at
     * most {@code timeout}: whatever is not confirmed by then is recognised on arrival and acked.
     */
    public void replayJournal(long timeout, TimeUnit unit) throws InterruptedException {
        acks.flush();
        acks.awaitSent(timeout, unit);
    }

    /** Sends every waiting ack and output commit now. */
    public void flush() {
        acks.flush();
        outputs.flush();
    }

    /**
     * Waits until every ack sent so far is confirmed and every failure record or dead letter sent is
     * answered, or the deadline passes.
     *
     * @return true when nothing is left
     */
    public boolean awaitSettled(long deadlineNanos) throws InterruptedException {
        boolean acked = acks.awaitSent(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        acked &= outputs.awaitSent(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        synchronized (this) {
            while (outstandingMoves > 0) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, remaining);
            }
        }
        return acked;
    }

    /** Stops the interval flush; call after the last flush. */
    public void stop() {
        acks.stop();
        outputs.stop();
    }
}
