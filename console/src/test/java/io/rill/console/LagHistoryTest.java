package io.rill.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The lag charts' samples: a window per group, drawn as an SVG polyline. */
class LagHistoryTest {

    @Test
    void keepsTheSamplesOfTheWindowOnly() {
        LagHistory history = new LagHistory(Duration.ofMinutes(1));
        history.record("orders", "billing", 0, 5);
        history.record("orders", "billing", 30_000, 7);
        history.record("orders", "billing", 90_000, 9); // the first sample is now older than a minute
        history.record("orders", "shipping", 90_000, 1);
        assertEquals(List.of(new LagHistory.Sample(30_000, 7), new LagHistory.Sample(90_000, 9)),
                history.samples("orders", "billing", 90_000));
        assertEquals(List.of(new LagHistory.Sample(90_000, 1)), history.samples("orders", "shipping", 90_000));
    }

    @Test
    void anOlderSampleArrivingLateIsIgnoredAndTheSameInstantReplaced() {
        LagHistory history = new LagHistory(Duration.ofMinutes(1));
        history.record("s", "g", 10_000, 1);
        history.record("s", "g", 5_000, 2);
        history.record("s", "g", 10_000, 3);
        assertEquals(List.of(new LagHistory.Sample(10_000, 3)), history.samples("s", "g", 10_000));
    }

    @Test
    void groupsNobodyLookedAtExpire() {
        LagHistory history = new LagHistory(Duration.ofMinutes(1));
        history.record("s", "old", 0, 1);
        history.record("s", "new", 50_000, 1);
        history.expire(70_000);
        assertEquals(1, history.groups().size());
        assertEquals("new", history.groups().get(0)[1]);
    }

    @Test
    void drawsALineScaledToTheLargestLag() {
        List<LagHistory.Sample> samples = List.of(new LagHistory.Sample(0, 0), new LagHistory.Sample(30_000, 10),
                new LagHistory.Sample(60_000, 5));
        String svg = LagHistory.svg(samples, 60_000, 60_000, 100, 22);
        // x from the left edge (a window ago) to the right edge (now); y from the bottom (0) to the top (max)
        assertTrue(svg.contains("points=\"0.0,21.0 50.0,1.0 100.0,11.0\""), svg);
        assertTrue(svg.contains("max 10 entries, now 5"), svg);
    }

    @Test
    void fewerThanTwoSamplesDrawNoLine() {
        String svg = LagHistory.svg(List.of(new LagHistory.Sample(0, 3)), 0, 60_000, 100, 20);
        assertFalse(svg.contains("polyline"), svg);
        assertTrue(svg.contains("collecting samples"), svg);
    }
}
