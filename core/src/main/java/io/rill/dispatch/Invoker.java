package io.rill.dispatch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rill.Acknowledgement;
import io.rill.BatchHandler;
import io.rill.EntryHandler;
import io.rill.ManualBatchHandler;
import io.rill.ManualHandler;
import io.rill.PartialBatchFailure;
import io.rill.StreamEntry;
import io.rill.ack.Acknowledger;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.retry.Retrier;
import io.rill.window.InFlightWindow;

/**
 * Runs the user's handler on a unit of work and routes each entry's outcome: success to the
 * Acknowledger; a failure is retried in place as the {@link Retrier} says (the worker waits out the
 * backoff, so entries behind it in its lane keep their order), and after the last attempt either
 * dead-lettered or given back to the in-flight window (the entry stays pending in Redis). Never throws.
 */
public abstract sealed class Invoker {

    private static final Logger log = LoggerFactory.getLogger(Invoker.class);

    final Acknowledger acknowledger;
    final InFlightWindow window;
    final SubscriptionMetrics metrics;
    final String description;
    final Retrier retrier;

    Invoker(Acknowledger acknowledger, InFlightWindow window, SubscriptionMetrics metrics, String description,
            Retrier retrier) {
        this.acknowledger = acknowledger;
        this.window = window;
        this.metrics = metrics;
        this.description = description;
        this.retrier = retrier;
    }

    public static Invoker of(EntryHandler handler, Acknowledger acknowledger, InFlightWindow window,
            SubscriptionMetrics metrics, String description, Retrier retrier) {
        return new Single(handler, acknowledger, window, metrics, description, retrier);
    }

    public static Invoker of(BatchHandler handler, Acknowledger acknowledger, InFlightWindow window,
            SubscriptionMetrics metrics, String description, Retrier retrier) {
        return new Batch(handler, acknowledger, window, metrics, description, retrier);
    }

    /** Ends retry waits for good: a stop is under way. */
    void stopRetrying() {
        retrier.stop();
    }

    /**
     * A manual-ack handler is called once per delivery: a nack or a throw ends the delivery, with the
     * same verdict as a last failed attempt (dead-lettered when its time has come, else left pending).
     */
    public static Invoker ofManual(ManualHandler handler, Acknowledger acknowledger, InFlightWindow window,
            SubscriptionMetrics metrics, String description, Retrier retrier) {
        return new Manual(handler, acknowledger, window, metrics, description, retrier);
    }

    /** As {@link #ofManual}, for a batch under one acknowledgement. */
    public static Invoker ofManualBatch(ManualBatchHandler handler, Acknowledger acknowledger, InFlightWindow window,
            SubscriptionMetrics metrics, String description, Retrier retrier) {
        return new ManualBatch(handler, acknowledger, window, metrics, description, retrier);
    }

    /** Handles these entries, which come from one lane in stream order. */
    abstract void invoke(List<StreamEntry> entries);

    /** True when entries are handed to the handler together. */
    abstract boolean batched();

    final void succeeded(StreamEntry entry) {
        metrics.stream(entry.stream()).handled(1);
        acknowledger.acknowledge(entry);
    }

    /** Records a failure without logging it; the caller logs once per handler call. */
    final void failed(StreamEntry entry, Throwable error) {
        metrics.stream(entry.stream()).failed(1);
        window.release(entry);
        if (error instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
    }

    /** True when a failure means the worker is being stopped, not that the entry is bad. */
    static boolean interrupted(Throwable error) {
        return error instanceof InterruptedException || Thread.currentThread().isInterrupted();
    }

    /**
     * The last attempt of this delivery failed: dead-letters the entry when its time has come, else
     * leaves it pending. Returns true when it was dead-lettered. An interrupt (stop) is never a verdict.
     */
    final boolean exhausted(StreamEntry entry, Throwable error) {
        if (!interrupted(error) && retrier.exhausted(entry, error)) {
            metrics.stream(entry.stream()).failed(1);
            return true;
        }
        failed(entry, error);
        return false;
    }

    /** Gives back, unhandled, entries that will not run (stop timed out); they stay pending in Redis. */
    final void abandon(List<StreamEntry> entries) {
        for (StreamEntry entry : entries) {
            window.release(entry);
        }
    }

    private static final class Single extends Invoker {
        private final EntryHandler handler;

        Single(EntryHandler handler, Acknowledger acknowledger, InFlightWindow window, SubscriptionMetrics metrics,
                String description, Retrier retrier) {
            super(acknowledger, window, metrics, description, retrier);
            this.handler = handler;
        }

        @Override
        boolean batched() {
            return false;
        }

        @Override
        void invoke(List<StreamEntry> entries) {
            for (int i = 0; i < entries.size(); i++) {
                StreamEntry entry = entries.get(i);
                if (Thread.currentThread().isInterrupted()) {
                    abandon(entries.subList(i, entries.size()));
                    return;
                }
                if (!attempt(entry)) {
                    abandon(entries.subList(i + 1, entries.size()));
                    return;
                }
            }
        }

        /** Runs the handler on one entry until it succeeds or the attempts are over; false when interrupted. */
        private boolean attempt(StreamEntry entry) {
            for (int attempt = 1;; attempt++) {
                long start = System.nanoTime();
                try {
                    handler.handle(entry);
                } catch (Throwable e) {
                    metrics.stream(entry.stream()).handlerTime(System.nanoTime() - start);
                    if (!interrupted(e) && retrier.retries(attempt, e)) {
                        log.debug("Handler failed on {} {} (attempt {}) for {}; retrying: {}", entry.stream(), entry.id(),
                                attempt, description, e.toString());
                        if (retrier.pause(attempt)) {
                            metrics.stream(entry.stream()).retried(1);
                            continue;
                        }
                        window.release(entry); // stopping: it stays pending
                        return !Thread.currentThread().isInterrupted();
                    }
                    if (exhausted(entry, e)) {
                        log.warn("Handler failed on {} {} for {} (attempt {}); dead-lettering it", entry.stream(),
                                entry.id(), description, attempt, e);
                    } else {
                        log.warn("Handler failed on {} {} for {} (attempt {}); the entry stays pending", entry.stream(),
                                entry.id(), description, attempt, e);
                    }
                    return !Thread.currentThread().isInterrupted();
                }
                metrics.stream(entry.stream()).handlerTime(System.nanoTime() - start);
                succeeded(entry);
                return true;
            }
        }
    }

    private static final class Batch extends Invoker {
        private final BatchHandler handler;

        Batch(BatchHandler handler, Acknowledger acknowledger, InFlightWindow window, SubscriptionMetrics metrics,
                String description, Retrier retrier) {
            super(acknowledger, window, metrics, description, retrier);
            this.handler = handler;
        }

        @Override
        boolean batched() {
            return true;
        }

        @Override
        void invoke(List<StreamEntry> entries) {
            List<StreamEntry> remaining = entries;
            for (int attempt = 1;; attempt++) {
                if (Thread.currentThread().isInterrupted()) {
                    abandon(remaining);
                    return;
                }
                Map<StreamEntry, Throwable> failures = call(remaining);
                if (failures.isEmpty()) {
                    return;
                }
                // the failed entries worth another attempt go again, together; the others get their verdict now
                List<StreamEntry> again = new ArrayList<>();
                int deadLettered = 0;
                for (StreamEntry entry : remaining) {
                    Throwable cause = failures.get(entry);
                    if (cause == null) {
                        continue;
                    }
                    if (!interrupted(cause) && retrier.retries(attempt, cause)) {
                        again.add(entry);
                    } else if (exhausted(entry, cause)) {
                        deadLettered++;
                    }
                }
                Throwable first = failures.values().iterator().next();
                if (again.isEmpty()) {
                    log.warn("Batch handler failed on {} of {} entries from {} {} for {} (attempt {}); {} dead-lettered, "
                            + "the rest stay pending", failures.size(), remaining.size(), remaining.get(0).stream(),
                            remaining.get(0).id(), description, attempt, deadLettered, first);
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

        /** One handler call; acks what succeeded and returns what failed, with the cause of each. */
        private Map<StreamEntry, Throwable> call(List<StreamEntry> entries) {
            long start = System.nanoTime();
            Throwable error = null;
            try {
                handler.handle(List.copyOf(entries));
            } catch (Throwable e) {
                error = e;
            }
            // the batch's time is recorded once, on the stream of its first entry
            metrics.stream(entries.get(0).stream()).handlerTime(System.nanoTime() - start);
            if (error == null) {
                entries.forEach(this::succeeded);
                return Map.of();
            }
            Map<StreamEntry, Throwable> failures = new LinkedHashMap<>();
            if (error instanceof PartialBatchFailure partial) {
                for (StreamEntry entry : entries) {
                    Throwable cause = partial.failures().get(entry);
                    if (cause == null) {
                        succeeded(entry);
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
    private final class Settlement implements Acknowledgement {
        private final List<StreamEntry> entries;
        private final AtomicBoolean settled = new AtomicBoolean();

        Settlement(List<StreamEntry> entries) {
            this.entries = entries;
        }

        @Override
        public boolean ack() {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            entries.forEach(Invoker.this::succeeded);
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
            for (StreamEntry entry : entries) {
                exhausted(entry, reason);
            }
            return true;
        }

        @Override
        public boolean settled() {
            return settled.get();
        }

        /** The handler threw: fails the entries unless they were settled already. */
        void threw(Throwable error) {
            if (settled.compareAndSet(false, true)) {
                log.warn("Handler failed on {} entries from {} {} for {}", entries.size(),
                        entries.get(0).stream(), entries.get(0).id(), description, error);
                for (StreamEntry entry : entries) {
                    exhausted(entry, error);
                }
            } else {
                log.warn("Handler threw after settling {} {} for {}; the settlement stands", entries.get(0).stream(),
                        entries.get(0).id(), description, error);
                if (error instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static final class Manual extends Invoker {
        private final ManualHandler handler;

        Manual(ManualHandler handler, Acknowledger acknowledger, InFlightWindow window, SubscriptionMetrics metrics,
                String description, Retrier retrier) {
            super(acknowledger, window, metrics, description, retrier);
            this.handler = handler;
        }

        @Override
        boolean batched() {
            return false;
        }

        @Override
        void invoke(List<StreamEntry> entries) {
            for (int i = 0; i < entries.size(); i++) {
                StreamEntry entry = entries.get(i);
                if (Thread.currentThread().isInterrupted()) {
                    abandon(entries.subList(i, entries.size()));
                    return;
                }
                Settlement settlement = new Settlement(List.of(entry));
                long start = System.nanoTime();
                try {
                    handler.handle(entry, settlement);
                } catch (Throwable e) {
                    settlement.threw(e);
                }
                metrics.stream(entry.stream()).handlerTime(System.nanoTime() - start);
            }
        }
    }

    private static final class ManualBatch extends Invoker {
        private final ManualBatchHandler handler;

        ManualBatch(ManualBatchHandler handler, Acknowledger acknowledger, InFlightWindow window,
                SubscriptionMetrics metrics, String description, Retrier retrier) {
            super(acknowledger, window, metrics, description, retrier);
            this.handler = handler;
        }

        @Override
        boolean batched() {
            return true;
        }

        @Override
        void invoke(List<StreamEntry> entries) {
            if (Thread.currentThread().isInterrupted()) {
                abandon(entries);
                return;
            }
            List<StreamEntry> batch = List.copyOf(entries);
            Settlement settlement = new Settlement(batch);
            long start = System.nanoTime();
            try {
                handler.handle(batch, settlement);
            } catch (Throwable e) {
                settlement.threw(e);
            }
            metrics.stream(batch.get(0).stream()).handlerTime(System.nanoTime() - start);
        }
    }

    /** The cause recorded (and dead-lettered) for a nack that gave none. */
    static final class NackedException extends Exception {
        NackedException() {
            super("nacked by the handler", null, false, false);
        }
    }
}
