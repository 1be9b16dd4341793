package io.rill.ack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.api.async.RedisAsyncCommands;
import io.rill.StreamEntry;
import io.rill.connect.CommandConnection;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.window.InFlightWindow;

/**
 * Coalesces the acks of one subscription into one XACK per stream per flush (semantics 2). A flush
 * runs when a stream has {@code flushSize} acks waiting or every {@code flushInterval}, whichever
 * comes first. XACKs go out on the shared command connection without waiting for each other; a
 * confirmed XACK gives the entries' in-flight slots back. A failed XACK puts its IDs back to be sent
 * with the next flush: the entries stay in flight (and pending in Redis) until Redis confirms.
 */
public final class Acknowledger {

    private static final Logger log = LoggerFactory.getLogger(Acknowledger.class);

    private final String group;
    private final String description;
    private final CommandConnection connection;
    private final InFlightWindow window;
    private final SubscriptionMetrics metrics;
    private final int flushSize;
    private final Map<String, List<String>> waiting = new HashMap<>();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final ScheduledFuture<?> ticker;
    private volatile boolean failing;

    public Acknowledger(String group, List<String> streams, String description, CommandConnection connection,
            InFlightWindow window, SubscriptionMetrics metrics, int flushSize, Duration flushInterval,
            ScheduledExecutorService timer) {
        this.group = group;
        this.description = description;
        this.connection = connection;
        this.window = window;
        this.metrics = metrics;
        this.flushSize = flushSize;
        for (String stream : streams) {
            waiting.put(stream, new ArrayList<>(flushSize));
        }
        long interval = flushInterval.toNanos();
        this.ticker = timer.scheduleWithFixedDelay(this::flushQuietly, interval, interval, TimeUnit.NANOSECONDS);
    }

    /** Queues the ack of one handled entry. */
    public void acknowledge(StreamEntry entry) {
        List<String> ready = null;
        synchronized (this) {
            List<String> ids = waiting.get(entry.stream());
            ids.add(entry.id());
            if (ids.size() >= flushSize) {
                ready = take(entry.stream());
            }
        }
        if (ready != null) {
            send(entry.stream(), ready);
        }
    }

    /** Queues the acks of several handled entries. */
    public void acknowledge(List<StreamEntry> entries) {
        for (StreamEntry entry : entries) {
            acknowledge(entry);
        }
    }

    /** Sends every waiting ack now. */
    public void flush() {
        Map<String, List<String>> ready = new HashMap<>();
        synchronized (this) {
            for (Map.Entry<String, List<String>> e : waiting.entrySet()) {
                if (!e.getValue().isEmpty()) {
                    ready.put(e.getKey(), take(e.getKey()));
                }
            }
        }
        ready.forEach(this::send);
    }

    /** Acks queued or sent and not yet confirmed. */
    public synchronized int pending() {
        int queued = 0;
        for (List<String> ids : waiting.values()) {
            queued += ids.size();
        }
        return queued + outstanding.get();
    }

    /**
     * Waits until every ack queued so far is confirmed by Redis (failed ones are retried by the interval
     * flush meanwhile), or the timeout passes.
     *
     * @return true when nothing is left to confirm
     */
    public synchronized boolean awaitSent(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (pending() > 0) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
        }
        return true;
    }

    /** Stops the interval flush; queued acks are not sent by it any more. */
    public void stop() {
        ticker.cancel(false);
    }

    private List<String> take(String stream) {
        List<String> ids = waiting.get(stream);
        waiting.put(stream, new ArrayList<>(flushSize));
        return ids;
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            log.warn("Ack flush failed for {}: {}", description, e.toString());
        }
    }

    private void send(String stream, List<String> ids) {
        outstanding.addAndGet(ids.size());
        RedisAsyncCommands<String, String> commands;
        try {
            commands = connection.async();
        } catch (RuntimeException e) {
            failed(stream, ids, e);
            return;
        }
        commands.xack(stream, group, ids.toArray(new String[0])).whenComplete((count, error) -> {
            if (error != null) {
                failed(stream, ids, error);
                return;
            }
            window.release(stream, ids);
            metrics.stream(stream).acked(ids.size());
            synchronized (this) {
                outstanding.addAndGet(-ids.size());
                notifyAll();
            }
            if (failing) {
                failing = false;
                log.info("Acks flowing again for {}", description);
            }
        });
    }

    private void failed(String stream, List<String> ids, Throwable error) {
        synchronized (this) {
            waiting.get(stream).addAll(0, ids);
            outstanding.addAndGet(-ids.size());
        }
        if (!failing) {
            failing = true;
            log.warn("XACK failed for {} on stream {}; {} acks kept and retried with the next flush: {}",
                    description, stream, ids.size(), error.toString());
        }
    }
}
