package io.rill.internal.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.micrometer.core.instrument.MeterRegistry;
import io.rill.StreamEntry;
import io.rill.SubscriptionOptions;
import io.rill.internal.admit.Admission;
import io.rill.internal.admit.HandOff;
import io.rill.internal.admit.Source;
import io.rill.internal.checkpoint.Checkpoint;
import io.rill.internal.checkpoint.IdentityKey;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.connect.RedisConnector;
import io.rill.internal.dispatch.Dispatcher;
import io.rill.internal.dispatch.Invoker;
import io.rill.internal.dispatch.Watchdog;
import io.rill.internal.janitor.Janitor;
import io.rill.internal.metrics.GroupSampler;
import io.rill.internal.metrics.Meters;
import io.rill.internal.output.Transactional;
import io.rill.internal.read.HistorySource;
import io.rill.internal.read.NewSource;
import io.rill.internal.reclaim.ClaimSource;
import io.rill.internal.reclaim.LeaseRenewer;
import io.rill.internal.retry.Retrier;
import io.rill.internal.settle.Settler;
import io.rill.internal.supervise.Supervisor;
import io.rill.internal.window.InFlightWindow;
import io.rill.tracing.Tracing;

/**
 * Builds the stages of one subscription and wires them; nothing else constructs another stage's
 * internals. The stages are peers that meet at two seams: the in-flight window (the admission loop
 * takes slots, settlement gives them back) and the {@link Settler} (every outcome ends there).
 * <pre>
 *   HistorySource ─┐
 *   NewSource ─────┼─> Admission ─> Dispatcher ─> Invoker (handler, Retrier) ─> Settler ─> XACK | output commit | dead letter | release
 *   ClaimSource ───┘        └──────────── on arrival: trimmed, journaled, crash-loop ──────┘
 *   LeaseRenewer, Janitor, IdentityKey: timers     Supervisor: life cycle, backoff, stop
 * </pre>
 */
public final class Pipeline {

    /** The most of a stop's time kept for confirming the last acks (see {@code Stages.shutDown}). */
    private static final long ACK_RESERVE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private Pipeline() {
    }

    /**
     * Builds a subscription, not yet started.
     *
     * @param options    with the consumer name resolved
     * @param handler    an EntryHandler, BatchHandler, ManualHandler or ManualBatchHandler, or a Transactional
     * @param registry   where the meters go; null for none (handler calls are not timed then)
     * @param checkpoint opened for these options; closed by the subscription when it ends
     * @param tracing    the span around each handler call; null for none
     * @param onClosed   called once the subscription has stopped
     */
    public static Supervisor build(SubscriptionOptions options, Object handler, RedisConnector connector,
            CommandConnection commands, MeterRegistry registry, ScheduledExecutorService timer, Checkpoint checkpoint,
            Tracing tracing, Runnable onClosed) {
        String id = options.group() + "/" + options.consumer() + "/" + String.join(",", options.streams());
        String description = "streams " + options.streams() + " group " + options.group() + " consumer " + options.consumer();
        String threadName = "rill-" + options.group() + "-" + options.consumer();

        Meters metrics = new Meters(registry, options.streams(), options.group(), options.consumer());
        InFlightWindow window = new InFlightWindow(options.maxInFlight(), options.streams());
        Supervisor[] supervisor = new Supervisor[1];
        Consumer<RuntimeException> fatal = error -> supervisor[0].report(error); // what retrying cannot fix
        // with replica-acks each XACK is followed by a WAIT, which holds its connection until the replicas answer (up to
        // replica-ack-timeout): on a connection of the subscription's own it holds no other subscription's commands
        CommandConnection ackConnection = options.replicaAcks() > 0 ? new CommandConnection(connector) : commands;
        Settler settler = new Settler(options, id, description, commands, ackConnection, window, metrics, timer,
                checkpoint.journal(), fatal);
        Invoker invoker = Invoker.of(handler, settler, new Retrier(options.retry()), metrics, description, options.group(),
                options.consumer(), tracing);
        Watchdog watchdog = options.handlerTimeout().isZero() ? null
                : new Watchdog(options.handlerTimeout(), settler, metrics, description,
                        error -> supervisor[0].entryFailed(error), fatal);
        Dispatcher dispatcher = new Dispatcher(invoker, options.concurrency(), options.orderingKey(), threadName + "-worker",
                watchdog, error -> supervisor[0].report(new IllegalStateException("a worker thread of " + id + " died (" + error
                        + "); the subscription stops, its entries stay pending for reclaim or a restart", error)));

        List<Source> periodic = new ArrayList<>();
        if (options.reclaim().enabled()) {
            periodic.add(new ClaimSource(options));
        }
        HandOff handOff = new HandOff() {
            @Override
            public void accept(List<StreamEntry> entries) {
                dispatcher.dispatch(entries);
            }

            @Override
            public boolean acceptThen(List<StreamEntry> entries, Runnable after) {
                return dispatcher.dispatchThen(entries, after);
            }
        };
        Admission admission = new Admission(options, window, settler, metrics, handOff, new HistorySource(options),
                new NewSource(options), periodic);
        // renewal runs even with reclaim off here: other consumers of the group may reclaim
        LeaseRenewer leaseRenewer = new LeaseRenewer(options, window, commands, metrics, timer, description, fatal);
        Janitor janitor = options.janitor().enabled() ? new Janitor(options, commands, timer, metrics, description) : null;
        IdentityKey identity = new IdentityKey(options, commands, timer, description, fatal);
        GroupSampler sampler = new GroupSampler(options, commands, metrics, timer, description);
        metrics.subscription(window::size, () -> supervisor[0].state());

        Supervisor.Stages stages = new Supervisor.Stages() {
            @Override
            public void start() {
                identity.start();
                if (watchdog != null) {
                    watchdog.start(timer);
                }
                leaseRenewer.start();
                if (janitor != null) {
                    janitor.start();
                }
                sampler.start();
            }

            @Override
            public void beforeFirstRead() throws InterruptedException {
                if (checkpoint.journal() != null) {
                    ackConnection.async(); // the journal's XACKs go out on it: have it open before the first one
                    settler.replayJournal(options.blockTimeout().toMillis(), TimeUnit.MILLISECONDS);
                }
            }

            @Override
            public void beforeReads() throws InterruptedException {
                identity.claim();
                if (handler instanceof Transactional t) {
                    t.check().beforeRead(commands, options.blockTimeout(), fatal); // the slot rule, when subscribe could not
                }
            }

            @Override
            public boolean shutDown(long deadlineNanos) throws InterruptedException {
                try {
                    // the last quarter of what is left, at most a second, is kept for the acks flushed at the
                    // end; half of it goes to interrupted handlers: the whole stop fits in shutdown-timeout
                    long reserve = Math.min(Math.max(0, deadlineNanos - System.nanoTime()) / 4, ACK_RESERVE_NANOS);
                    long handlersEnd = deadlineNanos - reserve;
                    boolean finished = dispatcher.drain(handlersEnd, handlersEnd + reserve / 2);
                    settler.flush();
                    return settler.awaitSettled(deadlineNanos) && finished;
                } finally {
                    if (watchdog != null) {
                        watchdog.stop();
                    }
                    leaseRenewer.stop();
                    sampler.stop();
                    if (janitor != null) {
                        janitor.stop();
                    }
                    settler.stop();
                    if (ackConnection != commands) {
                        ackConnection.close(); // after the last XACK was confirmed, or the stop's time ran out
                    }
                    identity.release(deadlineNanos);
                    metrics.close(); // after the last settlement: a stopped subscription leaves no meters behind
                }
            }

            @Override
            public int inFlight() {
                return window.size();
            }

            @Override
            public void closeWindow() {
                window.close();
            }
        };
        supervisor[0] = new Supervisor(options, id, admission, stages, connector, commands, checkpoint, onClosed);
        return supervisor[0];
    }
}
