package io.rill.dispatch;

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
import io.rill.window.InFlightWindow;

/**
 * Runs the user's handler on a unit of work and routes each entry's outcome: success to the
 * Acknowledger, failure back to the in-flight window (the entry stays pending in Redis). Never throws.
 */
public abstract sealed class Invoker {

    private static final Logger log = LoggerFactory.getLogger(Invoker.class);

    final Acknowledger acknowledger;
    final InFlightWindow window;
    final SubscriptionMetrics metrics;
    final String description;

    Invoker(Acknowledger acknowledger, InFlightWindow window, SubscriptionMetrics metrics, String description) {
        this.acknowledger = acknowledger;
        this.window = window;
        this.metrics = metrics;
        this.description = description;
    }

    public static Invoker of(EntryHandler handler, Acknowledger acknowledger, InFlightWindow window,
            SubscriptionMetrics metrics, String description) {
        return new Single(handler, acknowledger, window, metrics, description);
    }

    public static Invoker of(BatchHandler handler, Acknowledger acknowledger, InFlightWindow window,
            SubscriptionMetrics metrics, String description) {
        return new Batch(handler, acknowledger, window, metrics, description);
    }

    public static Invoker ofManual(ManualHandler handler, Acknowledger acknowledger, InFlightWindow window,
            SubscriptionMetrics metrics, String description) {
        return new Manual(handler, acknowledger, window, metrics, description);
    }

    public static Invoker ofManualBatch(ManualBatchHandler handler, Acknowledger acknowledger, InFlightWindow window,
            SubscriptionMetrics metrics, String description) {
        return new ManualBatch(handler, acknowledger, window, metrics, description);
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

    /** Gives back, unhandled, entries that will not run (stop timed out); they stay pending in Redis. */
    final void abandon(List<StreamEntry> entries) {
        for (StreamEntry entry : entries) {
            window.release(entry);
        }
    }

    private static final class Single extends Invoker {
        private final EntryHandler handler;

        Single(EntryHandler handler, Acknowledger acknowledger, InFlightWindow window, SubscriptionMetrics metrics,
                String description) {
            super(acknowledger, window, metrics, description);
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
                long start = System.nanoTime();
                try {
                    handler.handle(entry);
                } catch (Throwable e) {
                    metrics.stream(entry.stream()).handlerTime(System.nanoTime() - start);
                    failed(entry, e);
                    log.warn("Handler failed on {} {} for {}; the entry stays pending", entry.stream(), entry.id(),
                            description, e);
                    continue;
                }
                metrics.stream(entry.stream()).handlerTime(System.nanoTime() - start);
                succeeded(entry);
            }
        }
    }

    private static final class Batch extends Invoker {
        private final BatchHandler handler;

        Batch(BatchHandler handler, Acknowledger acknowledger, InFlightWindow window, SubscriptionMetrics metrics,
                String description) {
            super(acknowledger, window, metrics, description);
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
            } else if (error instanceof PartialBatchFailure partial) {
                Map<StreamEntry, Throwable> failures = partial.failures();
                log.warn("Batch handler failed on {} of {} entries for {}; they stay pending", failures.size(),
                        entries.size(), description, failures.values().iterator().next());
                for (StreamEntry entry : entries) {
                    Throwable cause = failures.get(entry);
                    if (cause == null) {
                        succeeded(entry);
                    } else {
                        failed(entry, cause);
                    }
                }
            } else {
                log.warn("Batch handler failed on {} entries from {} {} for {}; they stay pending", entries.size(),
                        entries.get(0).stream(), entries.get(0).id(), description, error);
                for (StreamEntry entry : entries) {
                    failed(entry, error);
                }
            }
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
            log.debug("Handler nacked {} entries from {} {} for {}; they stay pending", entries.size(),
                    entries.get(0).stream(), entries.get(0).id(), description, cause);
            for (StreamEntry entry : entries) {
                metrics.stream(entry.stream()).failed(1);
                window.release(entry);
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
                log.warn("Handler failed on {} entries from {} {} for {}; they stay pending", entries.size(),
                        entries.get(0).stream(), entries.get(0).id(), description, error);
                for (StreamEntry entry : entries) {
                    failed(entry, error);
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
                String description) {
            super(acknowledger, window, metrics, description);
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
                SubscriptionMetrics metrics, String description) {
            super(acknowledger, window, metrics, description);
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
}
