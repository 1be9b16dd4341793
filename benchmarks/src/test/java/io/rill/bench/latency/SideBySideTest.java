package io.rill.bench.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import io.rill.bench.contender.PlainLettuceLoop;

/** The side-by-side comparison finds each entry by its due time and compares the two contenders entry by entry. */
class SideBySideTest {

    @Test
    void anEntrysIndexComesBackFromTheDueTimeTheProducerStampedOnIt() {
        long start = 123_456_789_000L;
        // rates that do not divide a second evenly are the ones a rounding mistake shows on
        for (int rate : new int[] {1, 7, 1_000, 10_000, 30_000, 50_000, 300_000, 999_999_937}) {
            for (long i = 0; i < 20_000; i++) {
                long due = start + i * 1_000_000_000L / rate; // as ProducerProcess.produce computes it
                assertEquals(i, SideBySide.index(due, start, rate), "rate " + rate + ", entry " + i);
            }
        }
    }

    @Test
    void entriesAreComparedOneByOneWhereBothHandledThemInTheMeasuredRange() {
        long[] loop = new long[103];
        long[] other = new long[103];
        loop[0] = 1; // before the measured range: would be the one entry the other handled later by far
        other[0] = 1_000_000;
        for (int i = 1; i <= 100; i++) {
            loop[i] = 1000 + i;
            other[i] = i <= 70 ? loop[i] - 10 : loop[i] + 20;
        }
        other[101] = 5; // the loop never handled it: not compared
        loop[102] = 5; // past the measured range
        other[102] = 9_000;

        SideBySide.Entries entries = SideBySide.Entries.compare(loop, other, 1, 102);

        assertEquals(100, entries.both());
        assertEquals(0.70, entries.otherNoLater(), 1e-9);
        assertArrayEquals(new long[] {-10, -10, 20}, entries.difference());
        // the loop's two slowest (entries 99 and 100) are the other's two slowest too
        assertEquals(1.0, entries.sharedTail(), 1e-9);
    }

    @Test
    void twoTailsMadeOfOtherEntriesShareNone() {
        long[] loop = new long[100];
        long[] other = new long[100];
        for (int i = 0; i < 100; i++) {
            loop[i] = 1000 + i;
            other[i] = 1000 + i;
        }
        other[5] = 5000; // the other's two slowest are not the loop's
        other[6] = 5000;

        SideBySide.Entries entries = SideBySide.Entries.compare(loop, other, 0, 100);

        assertEquals(0.98, entries.otherNoLater(), 1e-9);
        assertEquals(0.0, entries.sharedTail(), 1e-9);
        assertArrayEquals(new long[] {0, 0, 3994}, entries.difference());
    }

    @Test
    void aContenderThatFellBehindIsWorseAndAnythingIsNoWorseThanALoopThatDid() {
        SideBySide.Side fast = side(1_000_000, 100);
        SideBySide.Side slow = side(9_000_000, 100);
        SideBySide.Side behind = side(1_000, 90);
        assertArrayEquals(new boolean[] {true, true}, phase(slow, fast).noWorse());
        assertArrayEquals(new boolean[] {false, false}, phase(fast, slow).noWorse());
        assertArrayEquals(new boolean[] {false, false}, phase(fast, behind).noWorse());
        assertArrayEquals(new boolean[] {true, true}, phase(behind, slow).noWorse());
    }

    private static SideBySide.Phase phase(SideBySide.Side loop, SideBySide.Side other) {
        return new SideBySide.Phase(new PlainLettuceLoop(500), 1000, 0, true, 100, loop, other,
                SideBySide.Entries.compare(new long[0], new long[0], 0, 0), 0);
    }

    private static SideBySide.Side side(long latency, long handled) {
        Histogram h = new Histogram(3);
        h.recordValue(latency);
        return new SideBySide.Side(h, handled);
    }
}
