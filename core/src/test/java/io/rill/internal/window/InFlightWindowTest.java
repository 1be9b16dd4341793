package io.rill.internal.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.rill.StreamEntry;

/** The window's bookkeeping for lease renewal and for reads that can return entries in flight here. */
class InFlightWindowTest {

    private static StreamEntry entry(String id) {
        return StreamEntry.of("orders", id, Map.of("n", id));
    }

    @Test
    void anEntryReleasedWhileAReadIsUnderWayIsNotAdmittedFromThatRead() {
        InFlightWindow window = new InFlightWindow(10, List.of("orders"));
        assertTrue(window.admit(entry("1-0")));
        window.watchReleases();
        window.release(entry("1-0")); // its XACK was confirmed after Redis answered the read
        assertFalse(window.admit(entry("1-0")), "an acked entry was admitted again");
        assertEquals(0, window.size());
        assertTrue(window.admit(entry("2-0")), "an entry never in flight must be admitted");
        window.stopWatchingReleases();
        assertTrue(window.admit(entry("1-0")), "a later read may bring it back (it is pending again)");
        assertEquals(2, window.size());
    }

    @Test
    void aReadIsAdmittedWholeInOrderLeavingOutWhatIsInFlightOrWasReleasedMeanwhile() {
        InFlightWindow window = new InFlightWindow(10, List.of("orders"));
        List<StreamEntry> read = List.of(entry("1-0"), entry("2-0"), entry("3-0"));
        assertTrue(read == window.admitAll(read), "all admitted: the read itself, no copy");
        assertEquals(3, window.size());

        window.admit(entry("4-0"));
        window.watchReleases();
        window.release(entry("4-0")); // acked while the next read was on its way
        List<StreamEntry> admitted = window.admitAll(List.of(entry("2-0"), entry("4-0"), entry("5-0"), entry("6-0")));
        assertEquals(List.of("5-0", "6-0"), admitted.stream().map(StreamEntry::id).toList());
        window.stopWatchingReleases();
        assertEquals(5, window.size());
        assertEquals(5, window.free());
    }

    @Test
    void releasesBeforeWatchingAreNotRemembered() {
        InFlightWindow window = new InFlightWindow(10, List.of("orders"));
        window.admit(entry("1-0"));
        window.release(entry("1-0"));
        window.watchReleases();
        assertTrue(window.admit(entry("1-0")));
    }

    @Test
    void leasesAreHeldSinceAdmissionAndMovedByRenewal() {
        InFlightWindow window = new InFlightWindow(10, List.of("orders"));
        window.admit(entry("1-0"));
        long after = System.nanoTime() + 1;
        assertEquals(List.of("1-0"), window.heldSince("orders", after));
        window.renewed("orders", List.of("1-0", "9-9"), after + 10);
        assertEquals(List.of(), window.heldSince("orders", after));
        assertFalse(window.contains("orders", "9-9"), "renewal must not add IDs");
        assertEquals(9, window.free());
    }

    @Test
    void awaitingAnEntrysReleaseEndsWhenItIsReleasedElsewhereAndNotBefore() throws Exception {
        InFlightWindow window = new InFlightWindow(10, List.of("orders"));
        window.admit(entry("1-0"));
        window.admit(entry("2-0"));
        assertFalse(window.awaitReleased(entry("1-0"), 0, TimeUnit.MILLISECONDS), "still in flight");
        window.release(entry("2-0"));
        assertFalse(window.awaitReleased(entry("1-0"), 0, TimeUnit.MILLISECONDS), "another entry's release is not its own");
        Thread acker = Thread.ofPlatform().start(() -> window.release(entry("1-0")));
        assertTrue(window.awaitReleased(entry("1-0"), 1, TimeUnit.MINUTES));
        acker.join();
        assertTrue(window.awaitReleased(entry("3-0"), 0, TimeUnit.MILLISECONDS), "never in flight: nothing to wait for");
    }

    @Test
    void anEntryHeldPastMaxLeaseIsDroppedOnceAndNeverRenewedAgain() {
        InFlightWindow window = new InFlightWindow(10, List.of("orders"));
        window.admit(entry("1-0"));
        long admitted = System.nanoTime();
        window.admit(entry("2-0"));
        long later = System.nanoTime() + 1;
        List<String> dropped = new java.util.ArrayList<>();
        // 1-0 was admitted before the max-lease cut-off, 2-0 not
        List<String> renew = window.heldSince("orders", later, admitted, dropped);
        assertEquals(List.of("1-0"), dropped);
        assertEquals(List.of("2-0"), renew);
        dropped.clear();
        assertEquals(List.of("2-0"), window.heldSince("orders", later, admitted, dropped));
        assertEquals(List.of(), dropped, "dropped once");
        window.renewed("orders", List.of("1-0", "2-0"), later);
        assertEquals(List.of(), window.heldSince("orders", later, admitted, dropped), "2-0 renewed, 1-0 dropped for good");
        assertTrue(window.contains("orders", "1-0"), "a dropped lease keeps the entry in flight here");
        assertEquals(2, window.size());
    }

    @Test
    void entriesReadTogetherAreRenewedOneByOneAndDroppedTogether() {
        InFlightWindow window = new InFlightWindow(10, List.of("orders"));
        window.admitAll(List.of(entry("1-0"), entry("2-0"), entry("3-0")));
        long later = System.nanoTime() + 1;
        window.renewed("orders", List.of("2-0"), later + 10);
        assertEquals(Set.of("1-0", "3-0"), Set.copyOf(window.heldSince("orders", later)), "only 2-0 was renewed");

        List<String> dropped = new java.util.ArrayList<>();
        assertEquals(List.of(), window.heldSince("orders", later, later, dropped));
        assertEquals(Set.of("1-0", "3-0"), Set.copyOf(dropped), "every entry of the read past max-lease, not the first only");
        dropped.clear();
        assertEquals(List.of(), window.heldSince("orders", later, later, dropped));
        assertEquals(List.of(), dropped, "dropped once");
        assertEquals(3, window.size());
    }
}
