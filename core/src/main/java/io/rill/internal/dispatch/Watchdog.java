package io.rill.internal.dispatch;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rill.HandlerTimeoutException;
import io.rill.StreamEntry;
import io.rill.internal.metrics.Meters;
import io.rill.internal.settle.FlushTimer;
import io.rill.internal.settle.Settler;

/**
 * {@code handler-timeout}: a handler call that runs longer is interrupted, and its entries count as
 * failed at once, through the settlement like any failure (counted in Redis, dead-lettered at the
 * threshold, else released), so their leases are no longer renewed and the group may claim them after
 * min-idle. Whatever the call does afterwards (returns, throws, acks) is not settled. The subscription's
 * {@code lastError} shows the timeout and {@code rill.handler.timeouts} counts it.
 *
 * <p>A worker that has not returned {@value #GRACE_SECONDS} s after that interrupt would hold its lane
 * forever: the subscription fails with an error saying so (health DOWN), and stops.
 *
 * <p>Runs on the shared timer every quarter of the timeout (10 ms to 1 s) while a handler call runs (or
 * a worker is in its grace), so a timeout is seen at most that much late; a call that begins while it is
 * quiet arms it ({@link FlushTimer}), so an idle subscription costs no wake-ups. Only built when the
 * option is set: with it off, workers carry no {@link Call}.
 */
public final class Watchdog {

    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);
    static final long GRACE_SECONDS = 5;
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(GRACE_SECONDS);

    private final Duration timeout;
    private final long timeoutNanos;
    private final Settler settler;
    private final Meters metrics;
    private final String description;
    private final Consumer<Throwable> onTimeout;
    private final Consumer<RuntimeException> fatal;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    /** Null until started. */
    private volatile FlushTimer ticker;
    private volatile boolean halted;

    /**
     * @param onTimeout told of each timeout (the subscription's lastError)
     * @param fatal     told when a worker does not come back from its interrupt: the subscription fails
     */
    public Watchdog(Duration timeout, Settler settler, Meters metrics, String description, Consumer<Throwable> onTimeout,
            Consumer<RuntimeException> fatal) {
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        this.settler = settler;
        this.metrics = metrics;
        this.description = description;
        this.onTimeout = onTimeout;
        this.fatal = fatal;
    }

    public void start(ScheduledExecutorService timer) {
        long tick = Math.clamp(timeoutNanos / 4, TimeUnit.MILLISECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(1));
        FlushTimer t = new FlushTimer(timer, Duration.ofNanos(tick), () -> check(System.nanoTime()), this::watching,
                "Handler timeout check for " + description);
        ticker = t;
        t.arm(); // calls that began before the start
    }

    /** Stops watching: past a stop's deadline nothing is settled any more. */
    public void stop() {
        halted = true;
        FlushTimer t = ticker;
        if (t != null) {
            t.stop();
        }
    }

    /** The call slot of the calling worker thread, registered for good. */
    Call register() {
        Call call = new Call(Thread.currentThread(), this);
        calls.add(call);
        return call;
    }

    /** A call began: the check runs within one tick. */
    private void arm() {
        FlushTimer t = ticker;
        if (t != null) {
            t.arm();
        }
    }

    /** Whether the next tick has anything to watch: a call running, or a worker in its grace after an interrupt. */
    private boolean watching() {
        for (Call call : calls) {
            int state = call.state.get();
            if (state == Call.RUNNING || state == Call.TIMING_OUT || state == Call.TIMED_OUT) {
                return true;
            }
        }
        return false;
    }

    /** Forgets a worker that ended. */
    void unregister(Call call) {
        calls.remove(call);
    }

    void check(long now) {
        for (Call call : calls) {
            if (halted) {
                return;
            }
            int state = call.state.get();
            if (state == Call.RUNNING && now - call.started > timeoutNanos
                    && call.state.compareAndSet(Call.RUNNING, Call.TIMING_OUT)) {
                StreamEntry entry = call.entry;
                List<StreamEntry> entries = call.entries;
                Invoker.Settlement settlement = call.settlement;
                long ran = now - call.started;
                call.timedOutAt = now;
                call.thread.interrupt();
                call.state.set(Call.TIMED_OUT); // from here the worker may clear the interrupt and go on
                timedOut(entry != null ? List.of(entry) : entries, settlement, ran);
            } else if (state == Call.TIMED_OUT && now - call.timedOutAt > GRACE_NANOS
                    && call.state.compareAndSet(Call.TIMED_OUT, Call.STUCK)) {
                fatal.accept(new IllegalStateException("a worker thread of " + description + " (" + call.thread.getName()
                        + ") has not returned " + GRACE_SECONDS + " s after its handler was interrupted for running past "
                        + "handler-timeout (" + timeout + "): the subscription stops rather than stall that lane; make the "
                        + "handler end on interrupt, or give its I/O timeouts of its own"));
            }
        }
    }

    private void timedOut(List<StreamEntry> entries, Invoker.Settlement settlement, long ranNanos) {
        StreamEntry first = entries.get(0);
        HandlerTimeoutException error = new HandlerTimeoutException("handler ran longer than handler-timeout (" + timeout
                + ") on " + first.stream() + " " + first.id() + (entries.size() > 1 ? " and " + (entries.size() - 1)
                        + " more entries" : "") + ", " + TimeUnit.NANOSECONDS.toMillis(ranNanos) + " ms; interrupted", timeout);
        metrics.stream(first.stream()).handlerTimeouts(1);
        log.warn("Handler of {} ran longer than handler-timeout ({}) on {} {}{}: interrupted; the entry counts as failed and "
                + "its lease is no longer renewed", description, timeout, first.stream(), first.id(),
                entries.size() > 1 ? " (a batch of " + entries.size() + ")" : "");
        onTimeout.accept(error);
        if (settlement != null) {
            settlement.timedOut(error); // a manual handler's entries, unless it settled them already
            return;
        }
        Map<StreamEntry, Throwable> failed = new LinkedHashMap<>();
        for (StreamEntry entry : entries) {
            failed.put(entry, error);
        }
        settler.failed(failed, Set.of()); // no retry in place: the worker is not free; never waits for Redis
    }

    /**
     * One worker's current handler call. The worker {@linkplain #begin begins} and {@linkplain #end ends}
     * each call; the watchdog may time it out in between. Reused call after call: nothing is allocated
     * per entry.
     */
    static final class Call {
        static final int IDLE = 0;
        static final int RUNNING = 1;
        static final int TIMING_OUT = 2;
        static final int TIMED_OUT = 3;
        static final int STUCK = 4;

        final Thread thread;
        private final Watchdog watchdog;
        final AtomicInteger state = new AtomicInteger(IDLE);
        // written by the worker before the volatile write of RUNNING, read by the watchdog after reading it
        private StreamEntry entry;
        private List<StreamEntry> entries;
        private Invoker.Settlement settlement;
        private volatile long started;
        private volatile long timedOutAt;

        Call(Thread thread, Watchdog watchdog) {
            this.thread = thread;
            this.watchdog = watchdog;
        }

        void begin(StreamEntry entry, List<StreamEntry> entries, Invoker.Settlement settlement) {
            this.entry = entry;
            this.entries = entries;
            this.settlement = settlement;
            started = System.nanoTime();
            state.set(RUNNING);
            // after RUNNING is visible: a tick that just found nothing cleared the flag first, so it is armed again
            watchdog.arm();
        }

        /**
         * Ends the call.
         *
         * @return true when it ended in time; false when it timed out: its entries were settled as failed, and
         *         nothing it did may be settled. The watchdog's interrupt is cleared then (a stop's is not:
         *         the caller checks for a halt).
         */
        boolean end() {
            if (state.compareAndSet(RUNNING, IDLE)) {
                entry = null;
                entries = null;
                settlement = null;
                return true;
            }
            while (state.get() == TIMING_OUT) {
                Thread.onSpinWait(); // the watchdog is between its CAS and its interrupt: a few instructions
            }
            Thread.interrupted();
            entry = null;
            entries = null;
            settlement = null;
            state.set(IDLE);
            return false;
        }
    }
}
