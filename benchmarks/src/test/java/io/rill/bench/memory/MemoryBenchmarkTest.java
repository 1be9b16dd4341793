package io.rill.bench.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MemoryBenchmarkTest {

    @Test
    void theChildsLineBecomesFiguresPerEntry() {
        String line = MemoryBenchmark.format(1_000_000, 4_000_000_000L, 500_000_000L, 120, 300, 20L * 1024 * 1024, 3_000_000_000L);
        MemoryBenchmark.Result r = MemoryBenchmark.parse("plain Lettuce loop", line);
        assertTrue(r.ok());
        assertEquals(250_000, r.rate(), 1e-6);
        assertEquals(500, r.bytesPerEntry(), 1e-9);
        assertEquals(120, r.gcCount());
        assertEquals(300, r.gcMillis());
        String printed = MemoryBenchmark.line(r, "64m");
        assertTrue(printed.contains("250,000 msg/s"), printed);
        assertTrue(printed.contains("500 bytes allocated/entry"), printed);
        assertTrue(printed.contains("heap after the last GC 20.0 MiB"), printed);
    }

    @Test
    void aFailedDrainSaysWhy() {
        MemoryBenchmark.Result r = new MemoryBenchmark.Result("Rill, journal off", false, "exit 3: OutOfMemoryError", 0, 0, 0, 0, 0);
        assertTrue(MemoryBenchmark.line(r, "64m").contains("FAILED: exit 3: OutOfMemoryError"));
    }
}
