package io.rill.bench.latency;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;

/**
 * The garbage collections of the harness JVM (where the contenders run), from JFR's
 * {@code jdk.GarbageCollection} events, so that a latency phase can say how much of its tail a pause
 * explains. JFR hands events over about once a second: {@link #between} waits for the flush after
 * the window's end.
 */
public final class GcPauses implements AutoCloseable {

    /** One collection: when it started, its longest pause and all its pauses together. */
    record Pause(Instant start, Duration longest, Duration sum) {
    }

    /** The collections that started in a window. */
    public record Summary(int collections, Duration longest, Duration total) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "gc %d pauses, longest %.2f ms, total %.1f ms", collections,
                    longest.toNanos() / 1e6, total.toNanos() / 1e6);
        }
    }

    private final RecordingStream stream = new RecordingStream();
    private final List<Pause> pauses = new ArrayList<>();
    private Instant flushed = Instant.MIN;

    GcPauses() {
        stream.enable("jdk.GarbageCollection");
        stream.onEvent("jdk.GarbageCollection", this::record);
        stream.onFlush(this::flushed);
        stream.startAsync();
    }

    private synchronized void record(RecordedEvent event) {
        pauses.add(new Pause(event.getStartTime(), event.getDuration("longestPause"), event.getDuration("sumOfPauses")));
    }

    private synchronized void flushed() {
        flushed = Instant.now();
        notifyAll();
    }

    /** The collections that started between {@code from} and {@code to}, once JFR has handed them over (at most 5 s). */
    synchronized Summary between(Instant from, Instant to) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!flushed.isAfter(to.plusMillis(100)) && System.nanoTime() < deadline) {
            wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        int count = 0;
        Duration longest = Duration.ZERO;
        Duration total = Duration.ZERO;
        for (Pause pause : pauses) {
            if (!pause.start().isBefore(from) && pause.start().isBefore(to)) {
                count++;
                total = total.plus(pause.sum());
                if (pause.longest().compareTo(longest) > 0) {
                    longest = pause.longest();
                }
            }
        }
        return new Summary(count, longest, total);
    }

    @Override
    public void close() {
        stream.close();
    }
}
