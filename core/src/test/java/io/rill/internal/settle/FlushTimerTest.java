package io.rill.internal.settle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The interval flush of the acks and output commits (semantics 2): armed by work, quiet without it. */
class FlushTimerTest {

    /** Keeps what is scheduled for the test to run by hand, so that nothing depends on the clock. */
    static final class HandTimer extends ScheduledThreadPoolExecutor {
        final List<Runnable> due = new ArrayList<>();
        final List<Long> delays = new ArrayList<>();

        HandTimer() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            due.add(command);
            delays.add(unit.toMillis(delay));
            return super.schedule(() -> { }, 1, TimeUnit.DAYS); // a handle to cancel, never run
        }

        void runDue() {
            List<Runnable> now = new ArrayList<>(due);
            due.clear();
            now.forEach(Runnable::run);
        }
    }

    private final HandTimer timer = new HandTimer();
    private final AtomicInteger flushes = new AtomicInteger();
    private final AtomicBoolean more = new AtomicBoolean();
    private final FlushTimer interval = new FlushTimer(timer, Duration.ofMillis(10), flushes::incrementAndGet, more::get,
            "Test flush");

    @AfterEach
    void shutDown() {
        timer.shutdownNow();
    }

    @Test
    void nothingIsScheduledUntilWorkArrives() {
        assertTrue(timer.due.isEmpty());

        interval.arm();

        assertEquals(1, timer.due.size());
        assertEquals(List.of(10L), timer.delays);
    }

    @Test
    void armingTwiceBeforeTheFlushSchedulesOneFlush() {
        interval.arm();
        interval.arm();

        assertEquals(1, timer.due.size());
    }

    @Test
    void aFlushThatLeavesNothingLeavesTheTimerQuiet() {
        interval.arm();
        timer.runDue();

        assertEquals(1, flushes.get());
        assertTrue(timer.due.isEmpty());
    }

    @Test
    void aFlushThatLeavesWorkArmsTheNextOne() {
        more.set(true); // a unit of work still gathering, or a failed XACK to send again
        interval.arm();
        timer.runDue();

        assertEquals(1, timer.due.size());

        more.set(false);
        timer.runDue();

        assertEquals(2, flushes.get());
        assertTrue(timer.due.isEmpty());
    }

    @Test
    void aFlushThatFoundWorkTicksOnceMoreAndTheNextWithoutWorkLetsTheTimerGoQuiet() {
        AtomicInteger queued = new AtomicInteger();
        FlushTimer acks = new FlushTimer(timer, Duration.ofMillis(10), () -> {
            flushes.incrementAndGet();
            queued.set(0); // everything waiting goes out
        }, () -> queued.get() > 0, "Test flush");
        queued.set(3);
        acks.arm();
        timer.runDue();

        assertEquals(1, timer.due.size(), "steady traffic: armed again from the timer's own thread");
        queued.set(2); // acks queued meanwhile
        acks.arm(); // by a worker: the timer is armed already, nothing more is scheduled
        assertEquals(1, timer.due.size());

        timer.runDue();
        assertEquals(1, timer.due.size());
        timer.runDue(); // nothing was queued in this interval

        assertEquals(3, flushes.get());
        assertTrue(timer.due.isEmpty(), "quiet one tick after the last work");
    }

    @Test
    void workArrivingDuringAFlushArmsTheNextOne() {
        FlushTimer[] self = new FlushTimer[1];
        self[0] = new FlushTimer(timer, Duration.ofMillis(10), () -> {
            flushes.incrementAndGet();
            if (flushes.get() == 1) {
                self[0].arm(); // an ack queued by a worker while the flush runs
            }
        }, () -> false, "Test flush");
        self[0].arm();
        timer.runDue();

        assertEquals(1, timer.due.size());
        timer.runDue();
        assertEquals(2, flushes.get());
        assertTrue(timer.due.isEmpty());
    }

    @Test
    void aFlushThatThrowsIsLoggedAndTheTimerGoesOn() {
        FlushTimer failing = new FlushTimer(timer, Duration.ofMillis(10), () -> {
            flushes.incrementAndGet();
            throw new IllegalStateException("connection closed");
        }, more::get, "Test flush");
        more.set(true); // what the failed flush held is still waiting
        failing.arm();
        timer.runDue();

        assertEquals(1, flushes.get());
        assertEquals(1, timer.due.size());
    }

    @Test
    void nothingIsScheduledAfterStop() {
        interval.arm();
        interval.stop();
        more.set(true);
        timer.runDue(); // the one already scheduled was cancelled; a hand timer runs it anyway: it must not re-arm
        interval.arm();

        assertTrue(timer.due.isEmpty());
    }

    @Test
    void aClosedTimerIsNotAnErrorForWhoeverArms() {
        timer.shutdown();

        interval.arm(); // refused by the closed timer: caught, and the timer counts as stopped
        interval.arm();

        assertEquals(1, timer.due.size()); // the first try only
        assertEquals(0, flushes.get());
    }
}
