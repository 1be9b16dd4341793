package io.rill.internal.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
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
}
