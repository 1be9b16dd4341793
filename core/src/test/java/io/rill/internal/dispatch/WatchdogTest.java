package io.rill.internal.dispatch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.DeadLetterOptions;
import io.rill.HandlerTimeoutException;
import io.rill.StreamEntry;
import io.rill.SubscriptionOptions;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.connect.RedisConnector;
import io.rill.internal.metrics.Meters;
import io.rill.internal.settle.Settler;
import io.rill.internal.window.InFlightWindow;
import io.rill.metrics.SubscriptionMetrics;

/**
 * handler-timeout's bookkeeping, driven with explicit times (no Redis: dead letters off, so a failure is
 * a release): a call past the timeout is interrupted and failed once, the worker learns it when the call
 * ends, and a worker that never ends is reported.
 */
class WatchdogTest {

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InFlightWindow window = new InFlightWindow(10, List.of("orders"));
    private final AtomicReference<Throwable> lastError = new AtomicReference<>();
    private final AtomicReference<RuntimeException> fatal = new AtomicReference<>();
    private final Watchdog watchdog;

    WatchdogTest() {
        SubscriptionOptions options = SubscriptionOptions.builder().streams("orders").group("g").consumer("c")
                .deadLetter(DeadLetterOptions.builder().enabled(false).build()).build();
        Meters meters = new Meters(registry, options.streams(), "g", "c");
        CommandConnection connection = new CommandConnection(new RedisConnector() {
            @Override
            public <V> StatefulRedisConnection<String, V> connect(RedisCodec<String, V> codec) {
                throw new IllegalStateException("no Redis in this test");
            }
        });
        Settler settler = new Settler(options, "id", "test", connection, connection, window, meters, timer, null,
                fatal::set);
        watchdog = new Watchdog(Duration.ofMillis(100), settler, meters, "test", lastError::set, fatal::set);
    }

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private static StreamEntry entry(String id) {
        return StreamEntry.of("orders", id, Map.of());
    }

    @Test
    void aCallPastTheTimeoutIsInterruptedFailedOnceAndTheWorkerLearnsItWhenTheCallEnds() {
        StreamEntry entry = entry("1-0");
        window.admit(entry);
        Watchdog.Call call = watchdog.register(); // this thread plays the worker
        call.begin(entry, null, null);
        long start = System.nanoTime();

        watchdog.check(start); // within the timeout: nothing happens
        assertTrue(window.contains("orders", "1-0"));
        assertFalse(Thread.currentThread().isInterrupted());

        watchdog.check(start + TimeUnit.MILLISECONDS.toNanos(500));
        assertTrue(Thread.currentThread().isInterrupted(), "the worker is interrupted");
        assertFalse(window.contains("orders", "1-0"), "failed: its slot (and lease) is given back");
        assertInstanceOf(HandlerTimeoutException.class, lastError.get());
        assertEquals(1.0, registry.get(SubscriptionMetrics.HANDLER_TIMEOUTS).counter().count());
        assertEquals(1.0, registry.get(SubscriptionMetrics.FAILED).counter().count());

        watchdog.check(start + TimeUnit.MILLISECONDS.toNanos(600)); // once only
        assertEquals(1.0, registry.get(SubscriptionMetrics.FAILED).counter().count());

        assertFalse(call.end(), "the call timed out: its outcome is not settled");
        assertFalse(Thread.interrupted(), "the watchdog's interrupt is cleared for the next call");
        assertNull(fatal.get());

        call.begin(entry("2-0"), null, null);
        assertTrue(call.end(), "the next call ends in time");
    }

    @Test
    void aWorkerThatDoesNotReturnFromTheInterruptIsReportedOnce() {
        StreamEntry entry = entry("1-0");
        window.admit(entry);
        Watchdog.Call call = watchdog.register();
        call.begin(entry, null, null);
        long start = System.nanoTime();
        watchdog.check(start + TimeUnit.MILLISECONDS.toNanos(200));
        Thread.interrupted();
        watchdog.check(start + TimeUnit.SECONDS.toNanos(2)); // within the grace
        assertNull(fatal.get());
        watchdog.check(start + TimeUnit.SECONDS.toNanos(Watchdog.GRACE_SECONDS + 1));
        assertTrue(fatal.get().getMessage().contains("has not returned"), fatal.get().getMessage());
        RuntimeException first = fatal.get();
        watchdog.check(start + TimeUnit.SECONDS.toNanos(Watchdog.GRACE_SECONDS + 2));
        assertTrue(first == fatal.get());
        assertFalse(call.end());
        Thread.interrupted();
    }

    /**
     * The watchdog ticks only while a handler call runs: started with none, it ticks once and goes quiet; a
     * call that begins arms it, the ticks it arms see the call past its timeout, and once the call ended the
     * timer is quiet again.
     */
    @Test
    void ticksOnlyWhileACallRuns() throws Exception {
        ScheduledThreadPoolExecutor ticks = new ScheduledThreadPoolExecutor(1);
        Thread worker = null;
        try {
            watchdog.start(ticks);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> ticks.getCompletedTaskCount() >= 1 && ticks.getQueue().isEmpty());

            StreamEntry entry = entry("1-0");
            window.admit(entry);
            java.util.concurrent.atomic.AtomicBoolean interrupted = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicBoolean endedInTime = new java.util.concurrent.atomic.AtomicBoolean(true);
            worker = Thread.ofPlatform().daemon().start(() -> {
                Watchdog.Call call = watchdog.register();
                call.begin(entry, null, null);
                try {
                    new java.util.concurrent.CountDownLatch(1).await(); // a handler that never returns on its own
                } catch (InterruptedException e) {
                    interrupted.set(true);
                }
                endedInTime.set(call.end());
            });
            worker.join(TimeUnit.SECONDS.toMillis(30));
            assertTrue(interrupted.get(), "the call was seen past its timeout: its beginning armed the check");
            assertFalse(endedInTime.get());
            // the watchdog interrupts the worker before it reports the timeout: the worker may end first
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertInstanceOf(HandlerTimeoutException.class, lastError.get()));
            await().atMost(Duration.ofSeconds(10)).until(() -> ticks.getQueue().isEmpty());
        } finally {
            watchdog.stop();
            ticks.shutdownNow();
            if (worker != null) {
                worker.interrupt(); // when the watchdog did not
            }
        }
    }

    @Test
    void aStoppedWatchdogSettlesNothing() {
        StreamEntry entry = entry("1-0");
        window.admit(entry);
        Watchdog.Call call = watchdog.register();
        call.begin(entry, null, null);
        watchdog.stop();
        watchdog.check(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
        assertTrue(window.contains("orders", "1-0"));
        assertTrue(call.end());
    }
}
