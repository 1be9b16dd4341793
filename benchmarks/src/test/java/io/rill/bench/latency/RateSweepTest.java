package io.rill.bench.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.rill.bench.latency.RateSweep.Outcome;
import io.rill.bench.latency.RateSweep.Step;
import io.rill.bench.latency.RateSweep.Verdict;

class RateSweepTest {

    @Test
    void aStepIsSustainedOnlyWhenEveryEntryWasHandledWithinTheLimit() {
        assertEquals(Verdict.SUSTAINED, RateSweep.judge(true, 50, 1, 50));
        assertEquals(Verdict.P99_OVER_LIMIT, RateSweep.judge(true, 50.1, 1, 50));
        assertEquals(Verdict.SATURATED, RateSweep.judge(false, Double.POSITIVE_INFINITY, 1, 50));
    }

    @Test
    void aLateProducerIsBlamedInsteadOfTheConsumer() {
        assertEquals(Verdict.PRODUCER_BEHIND, RateSweep.judge(true, 80, 60, 50));
        assertEquals(Verdict.PRODUCER_BEHIND, RateSweep.judge(false, Double.POSITIVE_INFINITY, 60, 50));
        // a late producer does not spoil a step the consumer kept within the limit anyway
        assertEquals(Verdict.SUSTAINED, RateSweep.judge(true, 40, 45, 50));
    }

    @Test
    void theHighestSustainedRateIsTheLastBeforeTheFirstFailure() {
        Outcome o = new Outcome("c", "at-least-once", List.of(step(1000, Verdict.SUSTAINED, 2), step(2000, Verdict.SUSTAINED, 9),
                step(4000, Verdict.P99_OVER_LIMIT, 70)));
        assertEquals(2000, o.highestSustained());
        assertEquals(9, o.p99AtHighest());
        assertEquals(4000, o.stoppedAt().rate());
        assertTrue(o.summary(50).contains("sustains 2,000/s"), o.summary(50));
        assertTrue(o.summary(50).contains("at 4,000/s: p99 70.0 ms"), o.summary(50));
    }

    @Test
    void aSweepThatNeverFailsReportsItsTopAsAFloor() {
        Outcome o = new Outcome("c", "at-least-once", List.of(step(1000, Verdict.SUSTAINED, 2), step(2000, Verdict.SUSTAINED, 3)));
        assertEquals(2000, o.highestSustained());
        assertNull(o.stoppedAt());
        assertTrue(o.summary(50).contains("a floor"), o.summary(50));
    }

    @Test
    void aFirstStepThatFailsLeavesNoSustainedRate() {
        Outcome o = new Outcome("c", "at-least-once", List.of(new Step(1000, Verdict.SATURATED, Double.NaN, 1, 700)));
        assertEquals(0, o.highestSustained());
        assertTrue(Double.isNaN(o.p99AtHighest()));
        assertTrue(o.summary(50).contains("saturated (handled 700/s)"), o.summary(50));
    }

    @Test
    void ratesMustRise() {
        assertThrows(IllegalArgumentException.class, () -> new RateSweep(List.of(1000, 1000), 50));
        assertThrows(IllegalArgumentException.class, () -> new RateSweep(List.of(), 50));
        assertThrows(IllegalArgumentException.class, () -> new RateSweep(List.of(1000), 0));
        assertEquals(RateSweep.DEFAULT_RATES, new RateSweep(RateSweep.DEFAULT_RATES, 50).rates());
    }

    private static Step step(int rate, Verdict verdict, double p99) {
        return new Step(rate, verdict, p99, 1, rate);
    }
}
