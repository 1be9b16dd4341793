package io.rill.read;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.StreamEntry;
import io.rill.SubscriptionOptions;
import io.rill.ack.Acknowledger;
import io.rill.dispatch.Dispatcher;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.window.InFlightWindow;

/**
 * The read loop of one subscription (semantics 2, 3, 9). Each pass first reads this consumer's own
 * pending entries with ID {@code 0} until they are exhausted, never with BLOCK (Redis ignores BLOCK
 * for history reads, which would make it a hot loop), then new entries with {@code >} and BLOCK.
 * COUNT is the batch size lowered to the free in-flight capacity, split over the streams.
 *
 * <p>A paused reader makes no reads until resumed; what it read before is handled as usual.
 *
 * <p>Runs on the subscription's read thread, on a connection no one else uses. Redis errors are
 * thrown to the Supervisor, which decides about backoff and reconnects.
 */
public final class Reader {

    private final SubscriptionOptions options;
    private final Consumer<String> consumer;
    private final InFlightWindow window;
    private final Dispatcher dispatcher;
    private final Acknowledger acknowledger;
    private final SubscriptionMetrics metrics;
    private final StreamOffset<String>[] newEntries;
    private volatile boolean stopping;
    private volatile boolean paused;
    private final Object pauseMonitor = new Object();
    private boolean reading; // guarded by pauseMonitor

    @SuppressWarnings("unchecked")
    public Reader(SubscriptionOptions options, InFlightWindow window, Dispatcher dispatcher, Acknowledger acknowledger,
            SubscriptionMetrics metrics) {
        this.options = options;
        this.consumer = Consumer.from(options.group(), options.consumer());
        this.window = window;
        this.dispatcher = dispatcher;
        this.acknowledger = acknowledger;
        this.metrics = metrics;
        this.newEntries = options.streams().stream().map(StreamOffset::lastConsumed).toArray(StreamOffset[]::new);
    }

    /** Makes {@link #run} return after its current read. */
    public void stop() {
        stopping = true;
        wakeFromPause();
    }

    /** Makes {@link #run} wait before its next read until {@link #resume()} or {@link #stop()}. */
    public void pause() {
        paused = true;
    }

    public void resume() {
        paused = false;
        wakeFromPause();
    }

    public boolean paused() {
        return paused;
    }

    private void wakeFromPause() {
        synchronized (pauseMonitor) {
            pauseMonitor.notifyAll();
        }
    }

    /**
     * Waits until no read is in progress or about to start, or the timeout passes: after a
     * {@link #pause()} this is when reading has really stopped.
     *
     * @return true when the reader is idle
     */
    public boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (pauseMonitor) {
            while (reading) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(pauseMonitor, remaining);
            }
            return true;
        }
    }

    /** The gate before every read: parks here while paused; the reader counts as reading once past it. */
    private void awaitResumed() throws InterruptedException {
        synchronized (pauseMonitor) {
            if (paused && !stopping) {
                setReading(false);
                while (paused && !stopping) {
                    pauseMonitor.wait();
                }
            }
            setReading(true);
        }
    }

    private void setReading(boolean value) {
        synchronized (pauseMonitor) {
            reading = value;
            pauseMonitor.notifyAll();
        }
    }

    public boolean stopping() {
        return stopping;
    }

    /**
     * Reads the own pending entries, then new ones, until {@link #stop()}.
     *
     * @param commands a connection used by this reader only
     * @param onRead   called after every read Redis answered
     */
    public void run(RedisCommands<String, String> commands, Runnable onRead) throws InterruptedException {
        try {
            readHistory(commands, onRead);
            readNew(commands, onRead);
        } finally {
            setReading(false);
        }
    }

    private void readHistory(RedisCommands<String, String> commands, Runnable onRead) throws InterruptedException {
        Map<String, String> cursors = new LinkedHashMap<>();
        for (String stream : options.streams()) {
            cursors.put(stream, "0");
        }
        Map<String, Integer> returned = new HashMap<>();
        while (!cursors.isEmpty() && !stopping) {
            int count = awaitCount(cursors.size());
            if (count == 0) {
                continue;
            }
            @SuppressWarnings("unchecked")
            StreamOffset<String>[] offsets = cursors.entrySet().stream()
                    .map(e -> StreamOffset.from(e.getKey(), e.getValue()))
                    .toArray(StreamOffset[]::new);
            List<StreamMessage<String, String>> messages = commands.xreadgroup(consumer, XReadArgs.Builder.count(count),
                    offsets);
            onRead.run();
            returned.clear();
            for (StreamMessage<String, String> message : messages) {
                cursors.put(message.getStream(), message.getId());
                returned.merge(message.getStream(), 1, Integer::sum);
            }
            // fewer than COUNT back means that stream's pending list is exhausted
            cursors.keySet().removeIf(stream -> returned.getOrDefault(stream, 0) < count);
            accept(messages, true);
        }
    }

    private void readNew(RedisCommands<String, String> commands, Runnable onRead) throws InterruptedException {
        long blockMillis = options.blockTimeout().toMillis();
        while (!stopping) {
            int count = awaitCount(newEntries.length);
            if (count == 0) {
                continue;
            }
            List<StreamMessage<String, String>> messages = commands.xreadgroup(consumer,
                    XReadArgs.Builder.count(count).block(blockMillis), newEntries);
            onRead.run();
            accept(messages, false);
        }
    }

    /** The COUNT of the next read: waits until every stream read can get at least one entry. */
    private int awaitCount(int streams) throws InterruptedException {
        awaitResumed();
        int free = window.awaitFree(streams, options.blockTimeout().toMillis(), TimeUnit.MILLISECONDS);
        return Math.min(options.batchSize(), free / streams);
    }

    /**
     * Admits what was read to the window and dispatches it; trimmed entries are acked unhandled, and so
     * are entries of a history read that the checkpoint journal says were handled before a crash.
     */
    private void accept(List<StreamMessage<String, String>> messages, boolean history) {
        if (messages.isEmpty()) {
            return;
        }
        List<StreamEntry> batch = new ArrayList<>(messages.size());
        for (StreamMessage<String, String> message : messages) {
            Map<String, String> body = message.getBody();
            StreamEntry entry = StreamEntry.of(message.getStream(), message.getId(),
                    body.isEmpty() ? Map.of() : Collections.unmodifiableMap(body));
            if (!window.admit(entry)) {
                continue; // still being handled or acked here since before a reconnect
            }
            SubscriptionMetrics.StreamMeters meters = metrics.stream(entry.stream());
            meters.read(1);
            if (body.isEmpty()) {
                // deleted or trimmed while pending: Redis kept only the ID; nothing to handle
                meters.trimmed(1);
                acknowledger.acknowledge(entry);
            } else if (history && acknowledger.journaled(entry)) {
                // handled before a crash, its XACK lost: ack it without running the handler again (semantics 4)
                meters.deduplicated(1);
                acknowledger.acknowledge(entry);
            } else {
                batch.add(entry);
            }
        }
        dispatcher.dispatch(batch);
    }
}
