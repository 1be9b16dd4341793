package io.rill.read;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.SubscriptionOptions;
import io.rill.window.InFlightWindow;

/**
 * The read loop of one subscription (semantics 2, 3, 9). Each pass first reads this consumer's own
 * pending entries with ID {@code 0} until they are exhausted, never with BLOCK (Redis ignores BLOCK
 * for history reads, which would make it a hot loop), then new entries with {@code >} and BLOCK.
 * COUNT is the batch size lowered to the free in-flight capacity, split over the streams. Between two
 * reads of new entries it runs its {@link ReadLoopTask}s (reclaim, janitor). What it reads goes through
 * the {@link Intake}; history entries with their delivery counts.
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
    private final Intake intake;
    private final List<ReadLoopTask> tasks;
    private final StreamOffset<String>[] newEntries;
    private volatile boolean stopping;
    private volatile boolean paused;
    private final Object pauseMonitor = new Object();
    private boolean reading; // guarded by pauseMonitor

    @SuppressWarnings("unchecked")
    public Reader(SubscriptionOptions options, InFlightWindow window, Intake intake, List<ReadLoopTask> tasks) {
        this.options = options;
        this.consumer = Consumer.from(options.group(), options.consumer());
        this.window = window;
        this.intake = intake;
        this.tasks = List.copyOf(tasks);
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
        window.watchReleases();
        try {
            readHistoryWatched(commands, onRead);
        } finally {
            window.stopWatchingReleases();
        }
    }

    private void readHistoryWatched(RedisCommands<String, String> commands, Runnable onRead) throws InterruptedException {
        Map<String, String> cursors = new LinkedHashMap<>();
        for (String stream : options.streams()) {
            cursors.put(stream, "0");
        }
        Map<String, Integer> returned = new HashMap<>();
        while (!cursors.isEmpty() && !stopping) {
            int count = awaitCount(commands, cursors.size());
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
            if (!messages.isEmpty()) {
                intake.accept(messages, DeliveryCounts.fetch(commands, consumer, messages), Intake.Source.HISTORY);
            }
        }
    }

    private void readNew(RedisCommands<String, String> commands, Runnable onRead) throws InterruptedException {
        long blockMillis = options.blockTimeout().toMillis();
        while (!stopping) {
            for (ReadLoopTask task : tasks) {
                task.runIfDue(commands);
            }
            int count = awaitCount(commands, newEntries.length);
            if (count == 0) {
                continue;
            }
            List<StreamMessage<String, String>> messages = commands.xreadgroup(consumer,
                    XReadArgs.Builder.count(count).block(blockMillis), newEntries);
            onRead.run();
            intake.accept(messages, DeliveryCounts.FIRST, Intake.Source.NEW);
        }
    }

    /** The COUNT of the next read: waits until every stream read can get at least one entry. */
    private int awaitCount(RedisCommands<String, String> commands, int streams) throws InterruptedException {
        awaitResumed();
        int free = window.awaitFree(streams, options.blockTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (free < streams && !stopping && !commands.getStatefulConnection().isOpen()) {
            // a full window sends no command, so nothing else would notice that the connection is gone
            throw new RedisConnectionException("read connection closed while waiting for in-flight capacity");
        }
        return Math.min(options.batchSize(), free / streams);
    }
}
