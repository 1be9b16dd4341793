package io.rill.internal.dispatch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.ManualHandler;
import io.rill.StreamEntry;
import io.rill.SubscriptionOptions;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.connect.RedisConnector;
import io.rill.internal.metrics.Meters;
import io.rill.internal.retry.Retrier;
import io.rill.internal.settle.Settler;
import io.rill.internal.window.InFlightWindow;

/**
 * The hand-over with the next read (semantics 8, concurrency 1): a worker that waits for work takes the entries and
 * runs what came with them on its thread after the handler; a busy worker, or several, take nothing that way. The
 * handler is a manual one that never settles, so no Redis is reached.
 */
class DispatcherTest {

    private static final String THREAD = "dispatcher-test";

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final List<String> events = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch gate;
    private Dispatcher dispatcher;

    @AfterEach
    void stop() throws InterruptedException {
        CountDownLatch waiting = gate;
        if (waiting != null) {
            waiting.countDown();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        dispatcher.drain(deadline, deadline);
        timer.shutdownNow();
    }

    private Dispatcher dispatcher(int concurrency) {
        SubscriptionOptions options = SubscriptionOptions.builder().streams("orders").group("g").consumer("c").build();
        Meters meters = new Meters(new SimpleMeterRegistry(), options.streams(), "g", "c");
        CommandConnection connection = new CommandConnection(new RedisConnector() {
            @Override
            public <V> StatefulRedisConnection<String, V> connect(RedisCodec<String, V> codec) {
                throw new IllegalStateException("no Redis in this test");
            }
        });
        InFlightWindow window = new InFlightWindow(100, options.streams());
        Settler settler = new Settler(options, "id", "test", connection, connection, window, meters, timer, null, error -> {
        });
        ManualHandler handler = (entry, acknowledgement) -> {
            events.add("handled " + entry.id() + " on " + Thread.currentThread().getName());
            CountDownLatch waitFor = gate;
            if (waitFor != null) {
                waitFor.await();
            }
        };
        Invoker invoker = Invoker.of(handler, settler, new Retrier(options.retry()), meters, "test", "g", "c", null);
        dispatcher = new Dispatcher(invoker, concurrency, null, THREAD, null, error -> events.add("died " + error));
        return dispatcher;
    }

    private static List<StreamEntry> entries(String... ids) {
        return List.of(ids).stream().map(id -> StreamEntry.of("orders", id, Map.of())).toList();
    }

    private Runnable after(String name) {
        return () -> events.add(name + " on " + Thread.currentThread().getName());
    }

    @Test
    void aWaitingWorkerRunsWhatCameWithTheEntriesOnItsThreadAfterHandlingThem() {
        Dispatcher dispatcher = dispatcher(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.dispatchThen(entries("1-0", "2-0"), after("read")));
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 3);
        assertEquals(List.of("handled 1-0 on " + THREAD + "-0", "handled 2-0 on " + THREAD + "-0", "read on " + THREAD + "-0"),
                events);

        dispatcher.dispatch(entries("3-0")); // a plain hand-over afterwards runs nothing more
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 4);
        assertEquals("handled 3-0 on " + THREAD + "-0", events.get(3));
    }

    @Test
    void aBusyWorkerTakesNothingWithTheNextRead() {
        gate = new CountDownLatch(1);
        Dispatcher dispatcher = dispatcher(1);
        dispatcher.dispatch(entries("1-0"));
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1); // in the handler, held by the gate

        assertFalse(dispatcher.dispatchThen(entries("2-0"), after("read")));
        dispatcher.dispatch(entries("3-0"));
        assertFalse(dispatcher.dispatchThen(entries("4-0"), after("read")), "an entry is queued");
        gate.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
        assertEquals(List.of("handled 1-0 on " + THREAD + "-0", "handled 3-0 on " + THREAD + "-0"), events);
    }

    @Test
    void severalWorkersTakeNothingWithTheNextRead() {
        Dispatcher dispatcher = dispatcher(2);
        assertFalse(dispatcher.dispatchThen(entries("1-0"), after("read")));
        dispatcher.dispatch(entries("2-0"));
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
        assertTrue(events.get(0).startsWith("handled 2-0 on " + THREAD), events.toString());
    }
}
