package io.rill.bench.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class GcPausesTest {

    private static final Instant FROM = Instant.parse("2026-12-02T07:00:00Z");
    private static final Instant TO = FROM.plusSeconds(10);

    private static GcPauses.Stall stall(Instant end, long lateMs) {
        return new GcPauses.Stall(end, Duration.ofMillis(lateMs));
    }

    @Test
    void aPhaseGetsTheLongestStallThatOverlapsItsWindow() {
        List<GcPauses.Stall> stalls = List.of(
                stall(FROM.minusSeconds(1), 300), // over before the window began
                stall(FROM.plusSeconds(3), 40),
                stall(FROM.plusSeconds(5), 100),
                stall(TO.plusSeconds(2), 500)); // began after the window ended
        assertEquals(Duration.ofMillis(100), GcPauses.longestStall(stalls, FROM, TO));
    }

    @Test
    void aStallAcrossEitherEdgeOfTheWindowCounts() {
        assertEquals(Duration.ofMillis(200), GcPauses.longestStall(List.of(stall(FROM.plusMillis(50), 200)), FROM, TO),
                "began before the window, ended in it");
        assertEquals(Duration.ofMillis(200), GcPauses.longestStall(List.of(stall(TO.plusMillis(150), 200)), FROM, TO),
                "began in the window, ended after it");
        assertEquals(Duration.ZERO, GcPauses.longestStall(List.of(), FROM, TO));
    }

    @Test
    void aCollectionShowsAsAPauseInsideASafepointOnTheMonotonicClock() throws Exception {
        try (GcPauses pauses = new GcPauses()) {
            Instant from = Instant.now();
            long fromNanos = System.nanoTime();
            System.gc();
            long toNanos = System.nanoTime();
            Instant to = Instant.now();
            assertTrue(pauses.between(from, to).collections() >= 1, "between waits for JFR to hand the collection over");
            TailCauses.Holdups holdups = pauses.holdups(new ProducerProcess.Produced(0, new Histogram(3), List.of(), List.of()),
                    fromNanos, toNanos);
            assertFalse(holdups.gcPauses().isEmpty(), "the pause, placed within the call on System.nanoTime's clock");
            for (TailCauses.Span pause : holdups.gcPauses()) {
                assertTrue(holdups.safepoints().stream().anyMatch(s -> s.from() <= pause.from() && s.to() >= pause.to()),
                        () -> "a safepoint around " + pause + ": " + holdups.safepoints());
            }
        }
    }
}
