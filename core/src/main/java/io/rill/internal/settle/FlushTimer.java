package io.rill.internal.settle;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interval flush of a batcher ({@code ack-flush-interval}): one flush an interval after it is armed,
 * armed again after that flush while it found work or something is left for the next one. A batcher arms
 * it when work arrives, so a quiet subscription costs no wake-ups (one tick after its last work): a timer
 * ticking every 10 ms whether or not there is anything to send woke the JVM 100 times a second per
 * subscription.
 *
 * <p>Arming is one read of a flag when already armed; a flush clears the flag before it looks for
 * work, so work that arrives while it runs is either taken by it or arms the next one.
 *
 * <p>The handler-timeout watchdog ticks the same way (its check is the flush, a running handler call the
 * work), so an idle subscription with a handler-timeout costs no wake-ups either.
 */
public final class FlushTimer {

    private static final Logger log = LoggerFactory.getLogger(FlushTimer.class);

    private final ScheduledExecutorService timer;
    private final long intervalNanos;
    private final Runnable flush;
    private final BooleanSupplier more;
    /** What is flushed, for whom: for the one WARN line of a flush that threw. */
    private final String what;
    private final AtomicBoolean armed = new AtomicBoolean();
    /** Guards {@link #stopped} and {@link #next} so that no flush is scheduled after {@link #stop}. */
    private final Object lock = new Object();
    private boolean stopped;
    private ScheduledFuture<?> next;

    /**
     * @param flush runs on the timer's thread; what it throws is logged and the timer goes on
     * @param more  whether anything waits for a flush (queued, gathering, to retry): asked at the tick and after the flush
     * @param what  what is flushed for whom, e.g. "Ack flush for group/consumer/streams"
     */
    public FlushTimer(ScheduledExecutorService timer, Duration interval, Runnable flush, BooleanSupplier more, String what) {
        this.what = what;
        this.timer = timer;
        this.intervalNanos = interval.toNanos();
        this.flush = flush;
        this.more = more;
    }

    /** Makes sure a flush runs within one interval. */
    public void arm() {
        if (armed.get() || !armed.compareAndSet(false, true)) {
            return;
        }
        synchronized (lock) {
            if (stopped) {
                return;
            }
            try {
                next = timer.schedule(this::run, intervalNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // the client is closing: its stop flushes directly, and nothing is scheduled any more
                stopped = true;
            }
        }
    }

    /** No flush runs after this returns, except one already running. */
    public void stop() {
        synchronized (lock) {
            stopped = true;
            if (next != null) {
                next.cancel(false);
            }
        }
    }

    private void run() {
        armed.set(false);
        // work at the tick (steady traffic) keeps the timer armed one interval more, armed from its own thread:
        // armed from a worker's instead, the timer's thread wakes once to take the new deadline and once for
        // it, two wake-ups per flush where one does. The first tick that finds nothing lets it go quiet.
        boolean hadWork = more.getAsBoolean();
        try {
            flush.run();
        } catch (RuntimeException e) {
            log.warn("{} failed: {}", what, e.toString());
        }
        if (hadWork || more.getAsBoolean()) {
            arm();
        }
    }
}
