package io.rill.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

class CostProbeTest {

    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private static CostProbe.Reading reading(double seconds, double busy, double stolen) {
        return new CostProbe.Reading((long) (seconds * 1e9), Map.of(), 0, 0, 0, 0, busy, stolen, Map.of(), Map.of(), Map.of(), 0);
    }

    @Test
    void stealIsAShareOfEveryCoresTimeAndPartOfTheBusyTimeOthersCpuComesFrom() {
        CostProbe.Reading start = reading(100, 50, 3);
        CostProbe.Reading end = reading(110, 50 + 2.0 * CORES, 3 + 0.5 * CORES); // 10 s: 20 % busy, 5 % stolen
        assertEquals(0.05, CostProbe.stolenShare(start, end), 1e-9);
        assertEquals(0.20, CostProbe.othersShare(start, end), 1e-9, "nothing of ours ran: all the busy time, steal too, is others'");
    }

    @Test
    void withoutProcStatBothAreUnknown() {
        assertEquals(-1, CostProbe.stolenShare(reading(0, -1, -1), reading(10, -1, -1)));
        assertEquals(-1, CostProbe.othersShare(reading(0, -1, -1), reading(10, -1, -1)));
    }
}
