package io.rill.internal.dispatch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rill.Acknowledgement;
import io.rill.BatchHandler;
import io.rill.EntryHandler;
import io.rill.HandlerTimeoutException;
import io.rill.ManualBatchHandler;
import io.rill.ManualHandler;
import io.rill.Output;
import io.rill.OutputBatchHandler;
import io.rill.OutputHandler;
import io.rill.PartialBatchFailure;
import io.rill.StreamEntry;
import io.rill.tracing.Tracing;
import io.rill.internal.metrics.Meters;
import io.rill.internal.output.Transactional;
import io.rill.internal.retry.Retrier;
import io.rill.internal.settle.Settler;
import io.rill.internal.settle.Successes;

/**
 * Runs the user's handler on a unit of work and reports each entry's outcome to the {@link Settler}.
 * A failed attempt is retried in place while the {@link Retrier} wants another attempt and the settler
 * allows it (the worker waits out the backoff, so entries behind it in its lane keep their order).
 * An interrupt (a stop) is never an outcome: the entry is given back unsettled. Never throws.
 */
public abstract sealed class Invoker {

    private static final Logger log = LoggerFactory.getLogger(Invoker.class);

    final Settler settler;
    final Retrier retrier;
    final Meters metrics;
    final String description;
    final CallScope scope;
    /** Set when a stop's deadline passed: no handler call starts, no outcome is settled any more. */
    volatile boolean halted;

    Invoker(Settler settler, Retrier retrier, Meters metrics, String description, CallScope scope) {
        this.scope = scope;
        this.settler = settler;
        this.retrier = retrier;
        this.metrics = metrics;
        this.description = description;
    }

    /**
     * The invoker for a handler of one of the kinds ({@link EntryHandler}, {@link BatchHandler},
     * {@link ManualHandler}, {@link ManualBatchHandler}, and an {@link OutputHandler} or {@link OutputBatchHandler}
     * wrapped in a {@link Transactional}, whose outputs the settler commits with the input's ack). A manual handler is called once per delivery:
     * its nack or throw is a failure without an in-process retry.
     *
     * @param tracing the span around each call; null or {@link Tracing#off()} for none
     */
    public static Invoker of(Object handler, Settler settler, Retrier retrier, Meters metrics, String description,
            String group, String consumer, Tracing tracing) {
        CallScope scope = new CallScope(group, consumer, tracing);
        return switch (handler) {
            case EntryHandler h -> new Single(e -> {
                h.handle(e);
                return null;
            }, null, settler, retrier, metrics, description, scope);
            case BatchHandler h -> new Batch(e -> {
                h.handle(e);
                return null;
            }, null, settler, retrier, metrics, description, scope);
            case Transactional(OutputHandler h, Set<String> streams, var check) -> new Single(h, streams, settler, retrier, metrics,
                    description, scope);
            case Transactional(OutputBatchHandler h, Set<String> streams, var check) -> new Batch(h, streams, settler, retrier, metrics,
                    description, scope);
            case ManualHandler h -> new Manual(h, settler, retrier, metrics, description, scope);
            case ManualBatchHandler h -> new ManualBatch(h, settler, retrier, metrics, description, scope);
            default -> throw new IllegalArgumentException("not a handler: " + handler.getClass().getName());
        };
    }

    /** Ends retry waits for good: a stop is under way. */
    void stopRetrying() {
        retrier.stop();
    }

    /** The stop's deadline passed: see {@link #halted}. */
    void halt() {
        halted = true;
        retrier.stop();
    }

    /**
     * Handles these entries, which come from one lane in stream order.
     *
     * @param watch the worker's call slot for handler-timeout; null when the option is off
     */
    abstract void invoke(List<StreamEntry> entries, Watchdog.Call watch);

    /** After {@link #invoke} on the worker, however it ended: the MDC keys its calls shared leave the thread. */
    final void endUnit() {
        scope.clear();
    }

    /** True when entries are handed to the handler together. */
    abstract boolean batched();

    /** True when a failure means the worker is being stopped, not that the entry is bad. */
    static boolean interrupted(Throwable error) {
        if (error instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return true;
        }
        return Thread.currentThread().isInterrupted();
    }

    /** The outcome tag of a handler call: what it threw, else the timeout when it ran past handler-timeout. */
    static Class<? extends Throwable> failure(Throwable error, boolean timedOut) {
        return error != null ? error.getClass() : timedOut ? HandlerTimeoutException.class : null;
    }

    /** Gives back, unhandled, entries that will not run (a stop); they stay pending in Redis. */
    final void abandon(List<StreamEntry> entries) {
        for (StreamEntry entry : entries) {
            settler.abandoned(entry);
        }
    }

    /**
     * The outputs a handler returned, checked: every one to a declared stream (the slot rule was checked for
     * those at the start). Null or empty: none.
     */
    static List<Output> checked(List<Output> outputs, Set<String> declared) {
        if (outputs == null || outputs.isEmpty()) {
            return List.of();
        }
        for (Output output : outputs) {
            if (output == null) {
                throw new IllegalArgumentException("the handler returned a list of outputs with a null element");
            }
            if (!declared.contains(output.stream())) {
                throw Transactional.undeclared(output.stream(), declared);
            }
        }
        return List.copyOf(outputs);
    }

    private static final class Single extends Invoker {
        private final OutputHandler handler;
        /** The output streams declared at subscribe; null for a handler that returns no outputs. */
        private final Set<String> declared;

        Single(OutputHandler handler, Set<String> declared, Settler settler, Retrier retrier, Meters metrics,
                String description, CallScope scope) {
            super(settler, retrier, metrics, description, scope);
            this.handler = handler;
            this.declared = declared;
        }

        @Override
        boolean batched() {
            return false;
        }

        @Override
        void invoke(List<StreamEntry> entries, Watchdog.Call watch) {
            if (declared != null || entries.size() == 1) {
                run(entries, watch, null);
                return;
            }
            try (Successes gathered = settler.gather(entries.size())) {
                run(entries, watch, gathered);
            }
        }

        private void run(List<StreamEntry> entries, Watchdog.Call watch, Successes gathered) {
            for (int i = 0; i < entries.size(); i++) {
                if (halted || Thread.currentThread().isInterrupted()) {
                    abandon(entries.subList(i, entries.size()));
                    return;
                }
                if (!attempt(entries.get(i), watch, gathered)) {
                    abandon(entries.subList(i + 1, entries.size()));
                    return;
                }
            }
        }

        /**
         * Runs the handler on one entry until it succeeds or its attempts are over; false when interrupted. A
         * call past handler-timeout was failed by the watchdog: its outcome is dropped and the lane goes on.
         *
         * @param gathered where a success gathers with the unit's others; null to settle it alone
         */
        private boolean attempt(StreamEntry entry, Watchdog.Call watch, Successes gathered) {
            settler.handingOver(entry);
            for (int attempt = 1;; attempt++) {
                if (halted) {
                    settler.abandoned(entry);
                    return false;
                }
                long start = metrics.clock();
                Throwable error = null;
                if (watch != null) {
                    watch.begin(entry, null, null);
                }
                Tracing.Call span = scope.open(entry);
                List<Output> outputs = null;
                try {
                    outputs = handler.handle(entry);
                    if (declared != null) {
                        outputs = checked(outputs, declared);
                    }
                } catch (Throwable e) {
                    error = e;
                } finally {
                    scope.close(span, error);
                }
                if (watch != null && !watch.end()) {
                    metrics.handlerTime(entry.stream(), start, failure(error, true));
                    return true;
                }
                if (error != null) {
                    Throwable e = error;
                    metrics.handlerTime(entry.stream(), start, e.getClass());
                    if (interrupted(e) || halted) {
                        settler.abandoned(entry);
                        return false;
                    }
                    if (settler.failed(entry, e, retrier.retries(attempt, e))) {
                        log.debug("Handler failed on {} {} (attempt {}) for {}; retrying: {}", entry.stream(), entry.id(),
                                attempt, description, e.toString());
                        if (retrier.pause(attempt)) {
                            metrics.stream(entry.stream()).retried(1);
                            continue;
                        }
                        settler.abandoned(entry); // stopping: it stays pending
                        return !Thread.currentThread().isInterrupted();
                    }
                    log.warn("Handler failed on {} {} for {} (attempt {}); no more attempts in this delivery",
                            entry.stream(), entry.id(), description, attempt, e);
                    return !Thread.currentThread().isInterrupted();
                }
                metrics.handlerTime(entry.stream(), start, null);
                if (halted) {
                    settler.abandoned(entry); // returned after the stop's deadline: left pending, not settled
                    return false;
                }
                if (declared != null) {
                    settler.succeeded(entry, outputs);
                } else if (gathered != null) {
                    settler.succeeded(entry, gathered);
                } else {
                    settler.succeeded(entry, true);
                }
                return true;
            }
        }
    }

    private static final class Batch extends Invoker {
        private final OutputBatchHandler handler;
        /** The output streams declared at subscribe; null for a handler that returns no outputs. */
        private final Set<String> declared;

        Batch(OutputBatchHandler handler, Set<String> declared, Settler settler, Retrier retrier, Meters metrics,
                String description, CallScope scope) {
            super(settler, retrier, metrics, description, scope);
            this.handler = handler;
            this.declared = declared;
        }

        /** The outputs per entry, checked; throws when the map names an entry not in the batch. */
        private Map<StreamEntry, List<Output>> checkedAll(List<StreamEntry> entries, Map<StreamEntry, List<Output>> returned) {
            Map<StreamEntry, List<Output>> all = new LinkedHashMap<>();
            if (returned == null) {
                return all;
            }
            Set<StreamEntry> batch = new LinkedHashSet<>(entries);
            for (Map.Entry<StreamEntry, List<Output>> e : returned.entrySet()) {
                if (!batch.contains(e.getKey())) {
                    throw new IllegalArgumentException("the batch handler returned outputs for " + e.getKey()
                            + ", which is not an entry of its batch: key the map by the entries it was given");
                }
                all.put(e.getKey(), checked(e.getValue(), declared));
            }
            return all;
        }

        @Override
        boolean batched() {
            return true;
        }

        @Override
        void invoke(List<StreamEntry> entries, Watchdog.Call watch) {
            settler.handingOver(entries);
            List<StreamEntry> remaining = entries;
            for (int attempt = 1;; attempt++) {
                if (halted || Thread.currentThread().isInterrupted()) {
                    abandon(remaining);
                    return;
                }
                Map<StreamEntry, Throwable> failures = call(remaining, watch);
                if (failures == null || failures.isEmpty()) { // null: past handler-timeout, failed by the watchdog
                    return;
                }
                Throwable first = failures.values().iterator().next();
                if (interrupted(first) || halted) {
                    abandon(new ArrayList<>(failures.keySet()));
                    return;
                }
                Set<StreamEntry> wanted = new LinkedHashSet<>();
                for (Map.Entry<StreamEntry, Throwable> failure : failures.entrySet()) {
                    if (retrier.retries(attempt, failure.getValue())) {
                        wanted.add(failure.getKey());
                    }
                }
                List<StreamEntry> again = settler.failed(failures, wanted);
                if (again.isEmpty()) {
                    log.warn("Batch handler failed on {} of {} entries from {} {} for {} (attempt {}); no more attempts "
                            + "in this delivery", failures.size(), remaining.size(), remaining.get(0).stream(),
                            remaining.get(0).id(), description, attempt, first);
                    return;
                }
                log.debug("Batch handler failed on {} of {} entries for {} (attempt {}); retrying {}: {}", failures.size(),
                        remaining.size(), description, attempt, again.size(), first.toString());
                if (!retrier.pause(attempt)) {
                    abandon(again); // stopping: they stay pending
                    return;
                }
                metrics.stream(again.get(0).stream()).retried(again.size());
                remaining = again;
            }
        }

        /**
         * One handler call; settles what succeeded and returns what failed, with the cause of each; null when
         * the call ran past handler-timeout (the watchdog failed every entry: nothing is settled here).
         */
        private Map<StreamEntry, Throwable> call(List<StreamEntry> entries, Watchdog.Call watch) {
            long start = metrics.clock();
            Throwable error = null;
            if (watch != null) {
                watch.begin(null, entries, null);
            }
            Tracing.Call span = scope.open(entries);
            Map<StreamEntry, List<Output>> outputs = null;
            try {
                outputs = handler.handle(List.copyOf(entries));
                if (declared != null) {
                    outputs = checkedAll(entries, outputs);
                }
            } catch (Throwable e) {
                error = e;
            } finally {
                scope.close(span, error);
            }
            boolean late = watch != null && !watch.end();
            // the batch's time is recorded once, on the stream of its first entry
            metrics.handlerTime(entries.get(0).stream(), start, failure(error, late));
            if (late) {
                return null;
            }
            if (halted) {
                abandon(entries); // returned after the stop's deadline: left pending, not settled
                return Map.of();
            }
            if (error == null) {
                if (declared != null) {
                    Map<StreamEntry, List<Output>> written = outputs;
                    entries.forEach(entry -> settler.succeeded(entry, written.getOrDefault(entry, List.of())));
                } else {
                    settler.succeeded(entries, true);
                }
                return Map.of();
            }
            Map<StreamEntry, Throwable> failures = new LinkedHashMap<>();
            if (error instanceof PartialBatchFailure partial && declared != null) {
                Map<StreamEntry, List<Output>> given = null;
                try {
                    given = partial.outputs().isPresent() ? checkedAll(entries, partial.outputs().get()) : null;
                } catch (IllegalArgumentException e) {
                    partial.addSuppressed(e);
                }
                for (StreamEntry entry : entries) {
                    Throwable cause = partial.failures().get(entry);
                    if (cause != null) {
                        failures.put(entry, cause);
                    } else if (given != null) {
                        settler.succeeded(entry, given.getOrDefault(entry, List.of()));
                    } else {
                        // without the others' outputs, acking them would lose those: the whole batch fails
                        failures.put(entry, new IllegalStateException("an output batch handler threw a PartialBatchFailure "
                                + "without the outputs of its other entries: the whole batch fails; use "
                                + "PartialBatchFailure.of(failures, outputs)", partial));
                    }
                }
            } else if (error instanceof PartialBatchFailure partial) {
                for (StreamEntry entry : entries) {
                    Throwable cause = partial.failures().get(entry);
                    if (cause == null) {
                        settler.succeeded(entry, true);
                    } else {
                        failures.put(entry, cause);
                    }
                }
            } else {
                for (StreamEntry entry : entries) {
                    failures.put(entry, error);
                }
            }
            return failures;
        }
    }

    /**
     * The {@link Acknowledgement} of one manual handler call: the first of ack, nack or a throwing handler
     * settles its entries; the entries stay in flight until then.
     */
    final class Settlement implements Acknowledgement {
        final List<StreamEntry> entries;
        private final AtomicBoolean settled = new AtomicBoolean();

        Settlement(List<StreamEntry> entries) {
            this.entries = entries;
        }

        @Override
        public boolean ack() {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            settler.succeeded(entries, false);
            return true;
        }

        @Override
        public boolean nack(Throwable cause) {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            Throwable reason = cause != null ? cause : new NackedException();
            log.debug("Handler nacked {} entries from {} {} for {}", entries.size(), entries.get(0).stream(),
                    entries.get(0).id(), description, cause);
            fail(reason);
            return true;
        }

        @Override
        public boolean settled() {
            return settled.get();
        }

        /** A failure without an in-process retry; does not wait for Redis (a nack may come from any thread). */
        private void fail(Throwable reason) {
            Map<StreamEntry, Throwable> failed = new LinkedHashMap<>();
            for (StreamEntry entry : entries) {
                failed.put(entry, reason);
            }
            settler.failed(failed, Set.of());
        }

        /** The handler ran past handler-timeout: fails the entries unless they were settled already. */
        void timedOut(Throwable error) {
            if (settled.compareAndSet(false, true)) {
                fail(error);
            }
        }

        /** The handler threw: fails the entries unless they were settled already; a stop gives them back. */
        void threw(Throwable error) {
            if (!settled.compareAndSet(false, true)) {
                log.warn("Handler threw after settling {} {} for {}; the settlement stands", entries.get(0).stream(),
                        entries.get(0).id(), description, error);
                interrupted(error);
                return;
            }
            if (interrupted(error) || halted) {
                abandon(entries);
                return;
            }
            log.warn("Handler failed on {} entries from {} {} for {}", entries.size(), entries.get(0).stream(),
                    entries.get(0).id(), description, error);
            fail(error);
        }
    }

    private static final class Manual extends Invoker {
        private final ManualHandler handler;

        Manual(ManualHandler handler, Settler settler, Retrier retrier, Meters metrics, String description, CallScope scope) {
            super(settler, retrier, metrics, description, scope);
            this.handler = handler;
        }

        @Override
        boolean batched() {
            return false;
        }

        @Override
        void invoke(List<StreamEntry> entries, Watchdog.Call watch) {
            for (int i = 0; i < entries.size(); i++) {
                StreamEntry entry = entries.get(i);
                if (halted || Thread.currentThread().isInterrupted()) {
                    abandon(entries.subList(i, entries.size()));
                    return;
                }
                Settlement settlement = new Settlement(List.of(entry));
                settler.handingOver(entry);
                long start = metrics.clock();
                Throwable error = null;
                if (watch != null) {
                    watch.begin(null, settlement.entries, settlement);
                }
                Tracing.Call span = scope.open(entry);
                try {
                    handler.handle(entry, settlement);
                } catch (Throwable e) {
                    error = e;
                } finally {
                    scope.close(span, error);
                }
                boolean late = watch != null && !watch.end(); // past handler-timeout: already failed
                metrics.handlerTime(entry.stream(), start, failure(error, late));
                if (!late && error != null) {
                    settlement.threw(error);
                }
            }
        }
    }

    private static final class ManualBatch extends Invoker {
        private final ManualBatchHandler handler;

        ManualBatch(ManualBatchHandler handler, Settler settler, Retrier retrier, Meters metrics, String description, CallScope scope) {
            super(settler, retrier, metrics, description, scope);
            this.handler = handler;
        }

        @Override
        boolean batched() {
            return true;
        }

        @Override
        void invoke(List<StreamEntry> entries, Watchdog.Call watch) {
            if (halted || Thread.currentThread().isInterrupted()) {
                abandon(entries);
                return;
            }
            List<StreamEntry> batch = List.copyOf(entries);
            Settlement settlement = new Settlement(batch);
            settler.handingOver(batch);
            long start = metrics.clock();
            Throwable error = null;
            if (watch != null) {
                watch.begin(null, batch, settlement);
            }
            Tracing.Call span = scope.open(batch);
            try {
                handler.handle(batch, settlement);
            } catch (Throwable e) {
                error = e;
            } finally {
                scope.close(span, error);
            }
            boolean late = watch != null && !watch.end(); // past handler-timeout: already failed
            metrics.handlerTime(batch.get(0).stream(), start, failure(error, late));
            if (!late && error != null) {
                settlement.threw(error);
            }
        }
    }

    /** The cause recorded (and dead-lettered) for a nack that gave none. */
    static final class NackedException extends Exception {
        NackedException() {
            super("nacked by the handler", null, false, false);
        }
    }
}
