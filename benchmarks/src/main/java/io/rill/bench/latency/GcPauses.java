package io.rill.bench.latency;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;

/**
 * The garbage collections of the harness JVM (where the contenders run), from JFR's
 * {@code jdk.GarbageCollection} events, so that a latency phase can say how much of its tail a pause
 * explains. JFR hands events over about once a second: {@link #between} waits for the flush after
 * the window's end.
 *
 * <p>Beside them, the longest stall that a thread doing nothing but sleep 10 ms at a time (by default) saw: when a
 * consumer's tail has a stall of some ms that this thread saw too, the whole JVM or the machine stopped
 * (a safepoint, the hypervisor), not the consumer's threads. A hundred wake-ups a second cost next to nothing.
 * A stall shorter than a nap shows only when it covers the nap's end: {@code -Dbench.sleeper-nap-ms=1} sees
 * most stalls of a ms or more, for a thousand wake-ups a second.
 *
 * <p>For {@link TailCauses}, the spans of the pauses, of every safepoint (JFR's begin and end events, matched
 * by id) and of the sleeper's stalls, on the monotonic clock.
 */
public final class GcPauses implements AutoCloseable {

    /** One collection: when it started, its longest pause and all its pauses together. */
    record Pause(Instant start, Duration longest, Duration sum) {
    }

    /** A nap that ended {@code late} after it should have, at {@code end}. */
    record Stall(Instant end, Duration late) {
    }

    /**
     * The collections that started in a window, and the longest a sleeping thread overslept in it.
     */
    public record Summary(int collections, Duration longest, Duration total, Duration stall) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "gc %d pauses, longest %.2f ms, total %.1f ms; a sleeper's longest stall %.1f ms",
                    collections, longest.toNanos() / 1e6, total.toNanos() / 1e6, stall.toNanos() / 1e6);
        }
    }

    static final int NAP_MS = Integer.getInteger("bench.sleeper-nap-ms", 10);
    /** Stalls shorter than this are not kept: a wake-up on a VM is often a fraction of a ms late. */
    private static final long KEPT_STALL_NANOS = 1_000_000;

    private final RecordingStream stream = new RecordingStream();
    private final List<Pause> pauses = new ArrayList<>();
    private final List<Stall> stalls = new ArrayList<>();
    private final List<TailCauses.Span> pauseSpans = new ArrayList<>();
    private final Map<Long, Instant> safepointBegins = new HashMap<>();
    private final Map<Long, Instant> safepointEnds = new HashMap<>();
    /** System.nanoTime minus the wall clock's nanos when this started: JFR's Instants onto the monotonic clock. */
    private final long monotonicOffset;
    private final Thread sleeper;
    private Instant flushed = Instant.MIN;

    GcPauses() {
        Instant wall = Instant.now();
        monotonicOffset = System.nanoTime() - nanos(wall, 0);
        stream.enable("jdk.GarbageCollection");
        stream.onEvent("jdk.GarbageCollection", this::record);
        stream.enable("jdk.GCPhasePause").withoutThreshold();
        stream.onEvent("jdk.GCPhasePause", this::recordPause);
        stream.enable("jdk.SafepointBegin").withoutThreshold();
        stream.onEvent("jdk.SafepointBegin", e -> recordSafepoint(safepointBegins, e.getLong("safepointId"), e.getStartTime()));
        stream.enable("jdk.SafepointEnd").withoutThreshold();
        stream.onEvent("jdk.SafepointEnd", e -> recordSafepoint(safepointEnds, e.getLong("safepointId"), e.getEndTime()));
        stream.onFlush(this::flushed);
        stream.startAsync();
        sleeper = Thread.ofPlatform().name("harness-sleeper").daemon().start(this::nap);
    }

    private void nap() {
        try {
            while (true) {
                long before = System.nanoTime();
                Thread.sleep(NAP_MS);
                long late = System.nanoTime() - before - NAP_MS * 1_000_000L;
                if (late >= KEPT_STALL_NANOS) {
                    synchronized (this) {
                        stalls.add(new Stall(Instant.now(), Duration.ofNanos(late)));
                    }
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    private synchronized void record(RecordedEvent event) {
        pauses.add(new Pause(event.getStartTime(), event.getDuration("longestPause"), event.getDuration("sumOfPauses")));
    }

    private synchronized void recordPause(RecordedEvent event) {
        pauseSpans.add(new TailCauses.Span(monotonic(event.getStartTime()), monotonic(event.getEndTime())));
    }

    private synchronized void recordSafepoint(Map<Long, Instant> side, long id, Instant at) {
        side.put(id, at);
    }

    private static long nanos(Instant instant, long offset) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano() + offset;
    }

    private long monotonic(Instant instant) {
        return nanos(instant, monotonicOffset);
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
        return new Summary(count, longest, total, longestStall(stalls, from, to));
    }

    /**
     * What held the JVM up between {@code from} and {@code to} (monotonic ns), with what the producer saw;
     * call after {@link #between}, which waits for JFR's events of the window.
     */
    synchronized TailCauses.Holdups holdups(ProducerProcess.Produced produced, long from, long to) {
        List<TailCauses.Span> safepoints = new ArrayList<>();
        safepointBegins.forEach((id, begin) -> {
            Instant end = safepointEnds.get(id);
            if (end != null) {
                safepoints.add(new TailCauses.Span(monotonic(begin), monotonic(end)));
            }
        });
        List<TailCauses.Span> sleeper = stalls.stream()
                .map(s -> new TailCauses.Span(monotonic(s.end().minus(s.late())), monotonic(s.end()))).toList();
        return new TailCauses.Holdups(produced.late(), within(pauseSpans, from, to), within(safepoints, from, to),
                within(sleeper, from, to), within(produced.slowXadds(), from, to));
    }

    private static List<TailCauses.Span> within(List<TailCauses.Span> spans, long from, long to) {
        return spans.stream().filter(s -> s.to() >= from && s.from() <= to).toList();
    }

    /** The longest of the stalls that overlap the window (one may begin in it and end after it, or the reverse). */
    static Duration longestStall(List<Stall> stalls, Instant from, Instant to) {
        Duration longest = Duration.ZERO;
        for (Stall stall : stalls) {
            Instant began = stall.end().minus(stall.late());
            if (began.isBefore(to) && stall.end().isAfter(from) && stall.late().compareTo(longest) > 0) {
                longest = stall.late();
            }
        }
        return longest;
    }

    @Override
    public void close() {
        sleeper.interrupt();
        stream.close();
    }
}
