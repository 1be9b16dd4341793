package io.rill.internal.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.metrics.SubscriptionMetrics;

/** Handler calls are timed only for a registry someone reads (design: observability). */
class HandlerTimeTest {

    @Test
    void withARegistryEveryCallIsTimedFromItsStart() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Meters meters = new Meters(registry, List.of("s"), "g", "c");
        long start = meters.clock();
        assertNotEquals(0, start, "a timed call starts at the clock");
        meters.handlerTime("s", start - TimeUnit.MILLISECONDS.toNanos(5), null);
        meters.handlerTime("s", meters.clock(), IllegalStateException.class);

        Timer success = registry.get(SubscriptionMetrics.HANDLER_DURATION).tag(SubscriptionMetrics.TAG_RESULT, "success").timer();
        assertEquals(1, success.count());
        assertTrue(success.totalTime(TimeUnit.NANOSECONDS) >= TimeUnit.MILLISECONDS.toNanos(5), "timed from the start it was given");
        assertEquals(1, registry.get(SubscriptionMetrics.HANDLER_DURATION).tag(SubscriptionMetrics.TAG_EXCEPTION,
                "IllegalStateException").timer().count());
    }

    @Test
    void withoutARegistryNoClockIsReadAndNothingIsRecorded() {
        Meters meters = new Meters(null, List.of("s"), "g", "c");
        assertEquals(0, meters.clock(), "no clock read per entry for a timer nobody reads");
        meters.handlerTime("s", 0, null); // would record the whole uptime if it timed
        meters.handlerTime("s", 0, IllegalStateException.class);
        meters.stream("s").handled(1); // the counters still take counts, unseen
        meters.close();
    }
}
