package io.rill.internal.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.StreamEntry;
import io.rill.metrics.SubscriptionMetrics;

/** Entries read and handled are counted on their own stream's meters (design: observability). */
class CountByStreamTest {

    private static StreamEntry entry(String stream, String id) {
        return StreamEntry.of(stream, id, Map.of("n", id));
    }

    private static double read(SimpleMeterRegistry registry, String stream) {
        return registry.get(SubscriptionMetrics.READ).tag("stream", stream).counter().count();
    }

    @Test
    void oneStreamTakesTheWholeCount() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Meters meters = new Meters(registry, List.of("a"), "g", "c");
        meters.countByStream(List.of(entry("a", "1-0"), entry("a", "2-0"), entry("a", "3-0")), Meters.StreamMeters::read);
        meters.countByStream(List.of(), Meters.StreamMeters::read);
        assertEquals(3, read(registry, "a"));
    }

    @Test
    void severalStreamsAreCountedRunByRun() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Meters meters = new Meters(registry, List.of("a", "b"), "g", "c");
        meters.countByStream(List.of(entry("a", "1-0"), entry("a", "2-0"), entry("b", "1-0"), entry("a", "3-0")),
                Meters.StreamMeters::read);
        assertEquals(3, read(registry, "a"));
        assertEquals(1, read(registry, "b"));
    }
}
