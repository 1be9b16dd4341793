package io.rill.bench.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.rill.bench.latency.TailCauses.Holdups;
import io.rill.bench.latency.TailCauses.Span;

class TailCausesTest {

    private static final long MS = 1_000_000;
    private static final Holdups NOTHING = new Holdups(List.of(), List.of(), List.of(), List.of(), List.of());

    private static long[] entry(double dueMs, double latencyMs) {
        return new long[] {(long) (dueMs * MS), (long) (latencyMs * MS)};
    }

    @Test
    void eachEntryIsPutOnTheFirstHoldupItsWaitMet() {
        Holdups holdups = new Holdups(List.of(new Span(100 * MS, 101 * MS)), List.of(new Span(200 * MS, 205 * MS)),
                List.of(new Span(100 * MS, 101 * MS), new Span(199 * MS, 206 * MS), new Span(300 * MS, 302 * MS)),
                List.of(new Span(200 * MS, 205 * MS), new Span(400 * MS, 404 * MS), new Span(601 * MS, 602 * MS)),
                List.of(new Span(400 * MS, 401 * MS), new Span(600 * MS, 603 * MS), new Span(700 * MS, 702 * MS)));
        assertEquals(0, TailCauses.cause(100 * MS, 3 * MS, holdups), "sent late, though a safepoint came too");
        assertEquals(1, TailCauses.cause(198 * MS, 3 * MS, holdups), "a GC pause began during its wait");
        assertEquals(2, TailCauses.cause(301 * MS, 3 * MS, holdups), "a safepoint without GC");
        assertEquals(3, TailCauses.cause(403 * MS, 2 * MS, holdups), "the sleeper stalled, though an XADD was answered late too");
        assertEquals(3, TailCauses.cause(599 * MS, 2 * MS, holdups), "the same");
        assertEquals(4, TailCauses.cause(699 * MS, 2 * MS, holdups), "only an XADD answered late");
        assertEquals(5, TailCauses.cause(500 * MS, 5 * MS, holdups), "nothing the harness saw");
        assertEquals(5, TailCauses.cause(195 * MS, 3 * MS, holdups), "its wait ended before the pause");
    }

    @Test
    void entriesDueWithinAMillisecondOfEachOtherFormOneBurst() {
        List<long[]> tail = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            tail.add(entry(1000 + i * 0.5, 4)); // one burst of 10
        }
        tail.add(entry(2000, 4));
        tail.add(entry(2001.5, 4)); // 1.5 ms later: a burst of its own
        TailCauses.Finding finding = TailCauses.explain("p99.9", tail, 3 * MS, 0, 10_000 * MS, NOTHING, 0);
        assertEquals(12, finding.entries());
        assertEquals(3, finding.bursts());
        assertEquals(10, finding.largest());
        assertArrayEquals(new double[] {0, 0, 0, 0, 0, 1}, finding.shares(), 1e-9);
    }

    @Test
    void theChanceIsTheShareOfDueTimesWhoseWaitWouldMeetASpan() {
        // window 1,000 ms; spans 10-12 and 11-15 overlap: due times 8-15 (wait 2 ms) meet them, 7 ms of 1,000
        List<Span> spans = List.of(new Span(10 * MS, 12 * MS), new Span(11 * MS, 15 * MS), new Span(2000 * MS, 2001 * MS));
        assertEquals(0.007, TailCauses.chance(spans, 2 * MS, 0, 1000 * MS), 1e-9);
        assertEquals(0.002, TailCauses.chance(List.of(new Span(0, 5 * MS)), 2 * MS, 3 * MS, 1003 * MS), 1e-9,
                "clipped to the window");
        assertEquals(0, TailCauses.chance(List.of(), 2 * MS, 0, 1000 * MS));
    }

    @Test
    void theHandlerKeepsOnlyEntriesAMillisecondLateAndTheP999PicksAmongThem() {
        TailCauses causes = new TailCauses();
        causes.record(10 * MS, MS - 1);
        causes.record(20 * MS, 2 * MS);
        causes.record(30 * MS, 5 * MS);
        assertEquals(1, causes.explain("p99.9", 3 * MS, 0, 100 * MS, NOTHING).entries());
        assertEquals(2, causes.explain("p99.9", MS / 2, 0, 100 * MS, NOTHING).entries(), "a p99.9 below 1 ms: what was kept");
        String line = causes.explain("p99", MS / 2, 0, 100 * MS, NOTHING).toString();
        assertTrue(line.startsWith("tail p99, ≥ 1.00 ms: 2 entries in 2 bursts (largest 1)"), line);

        causes.clear();
        causes.record(40 * MS, 4 * MS);
        TailCauses.Finding next = causes.explain("p99.9", MS, 0, 100 * MS, NOTHING);
        assertEquals(1, next.entries(), "the next phase sees its own entries only");
        assertEquals(1, next.bursts());
    }

    @Test
    void theProducersLateSpellsAreRunsOfLateEntriesAndSurviveItsLine() {
        TailCauses.LateSpells late = new TailCauses.LateSpells();
        late.sent(1, 0);
        late.sent(2, MS);
        late.sent(3, 2 * MS);
        late.sent(4, 10);
        late.sent(5, 3 * MS);
        List<Span> spells = late.spells();
        assertEquals(List.of(new Span(2, 3), new Span(5, 5)), spells);
        assertEquals(spells, TailCauses.decode(TailCauses.encode(spells)));
        assertEquals(List.of(), TailCauses.decode(TailCauses.encode(List.of())));
    }

    @Test
    void slowXaddsAreAnswersAMillisecondLateMergedWhereTheyOverlap() {
        TailCauses.SlowXadds slow = new TailCauses.SlowXadds();
        slow.answered(10 * MS, 10 * MS + MS / 2); // quick
        slow.answered(20 * MS, 23 * MS);
        slow.answered(21 * MS, 24 * MS); // written while the one before waited: one span
        slow.answered(30 * MS, 31 * MS);
        assertEquals(List.of(new Span(20 * MS, 24 * MS), new Span(30 * MS, 31 * MS)), slow.spans());
    }
}
