package io.rill.internal.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.rill.StreamEntry;

/** Lane hashing (semantics 8): equal ordering keys share a lane; entries without a key spread. */
class LaneTest {

    private static StreamEntry entry(String id, Map<String, String> fields) {
        return StreamEntry.of("orders", id, fields);
    }

    @Test
    void equalKeysShareALaneWhateverTheEntry() {
        for (int lanes : new int[] { 1, 2, 7, 64 }) {
            int lane = Dispatcher.lane(entry("1-0", Map.of("customer", "c-42")), "customer", lanes);
            for (int i = 1; i < 100; i++) {
                assertEquals(lane, Dispatcher.lane(entry(i + "-0", Map.of("customer", "c-42", "n", "" + i)), "customer", lanes));
            }
            assertTrue(lane >= 0 && lane < lanes);
        }
    }

    @Test
    void keysAndEntriesWithoutAKeySpreadOverEveryLane() {
        Set<Integer> byKey = new HashSet<>();
        Set<Integer> byId = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            byKey.add(Dispatcher.lane(entry("1-" + i, Map.of("customer", "c-" + i)), "customer", 8));
            byId.add(Dispatcher.lane(entry("1-" + i, Map.of("n", "" + i)), "customer", 8));
        }
        assertEquals(8, byKey.size());
        assertEquals(8, byId.size());
    }

    @Test
    void negativeHashesStillPickALane() {
        // "polygenelubricants".hashCode() is Integer.MIN_VALUE
        int lane = Dispatcher.lane(entry("1-0", Map.of("k", "polygenelubricants")), "k", 3);
        assertTrue(lane >= 0 && lane < 3);
    }
}
