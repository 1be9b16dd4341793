package io.rill.bench.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import io.rill.bench.CostProbe;
import io.rill.bench.contender.Contenders;

/** With --latency-rounds, the round with the median p99 stands for the rate. */
class LatencyMedianTest {

    @Test
    void theRoundWithTheMedianP99IsReportedAndASaturatedRoundCountsAsTheLongest() {
        LatencyBenchmark.Result fast = round(2), middle = round(5), slow = round(40), saturated = saturated();
        assertEquals(middle, LatencyBenchmark.median(List.of(slow, fast, middle)));
        assertEquals(middle, LatencyBenchmark.median(List.of(saturated, middle, fast)));
        assertEquals(fast, LatencyBenchmark.median(List.of(fast)));
        // two of three saturated: the rate is reported as saturated
        assertFalse(LatencyBenchmark.median(List.of(saturated, fast, saturated())).keptUp());
    }

    @Test
    void roundsArePairedInTheOrderTheyRanAndARoundThatFellBehindIsWorse() {
        LatencyBenchmark.Result loop = withRounds(round(4), round(2), saturated(), round(3));
        LatencyBenchmark.Result mine = withRounds(round(3), round(1.5), round(50), saturated());
        // 3 <= 4; 1.5 <= 2; anything is no worse than a saturated round; saturated is worse than 3
        assertArrayEquals(new int[] { 3, 3 }, LatencyBenchmark.noWorseRounds(mine, loop));
        assertArrayEquals(new int[] { 1, 1 }, LatencyBenchmark.noWorseRounds(loop, mine));
        assertNull(LatencyBenchmark.noWorseRounds(withRounds(round(1), round(2)), loop), "rounds that do not pair");
        assertNull(LatencyBenchmark.noWorseRounds(round(1), round(2)), "one round each: nothing to pair");
    }

    private static LatencyBenchmark.Result withRounds(LatencyBenchmark.Result... rounds) {
        return LatencyBenchmark.median(List.of(rounds)).withRounds(List.of(rounds));
    }

    @Test
    void noRoundsIsRefusedNamingTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LatencyBenchmark.Settings(
                List.of(1000), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), 100, 0));
        assertTrue(e.getMessage().startsWith("--latency-rounds"), e.getMessage());
    }

    private static LatencyBenchmark.Result round(double p99Ms) {
        Histogram h = new Histogram(3);
        h.recordValue((long) (p99Ms * 1e6));
        return result(h, 1000);
    }

    private static LatencyBenchmark.Result saturated() {
        Histogram h = new Histogram(3);
        h.recordValue(1_000_000);
        return result(h, 900);
    }

    private static LatencyBenchmark.Result result(Histogram latency, long handled) {
        Histogram lag = new Histogram(3);
        lag.recordValue(10_000);
        CostProbe.Cost cost = new CostProbe.Cost(10, 2, 0, 5, 5, 12, Map.of(), Map.of(), Map.of(), 0.01, 3, 0);
        return new LatencyBenchmark.Result(Contenders.all(500).get(0), 10_000, 1000, handled, 10_000, latency, lag, cost, "",
                new GcPauses.Summary(0, Duration.ZERO, Duration.ZERO, Duration.ZERO), List.of());
    }
}
