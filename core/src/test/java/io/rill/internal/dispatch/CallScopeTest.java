package io.rill.internal.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import io.rill.LogContext;
import io.rill.StreamEntry;

/** The MDC keys of a handler call (design: observability): there during the call, gone after it. */
class CallScopeTest {

    private final CallScope scope = new CallScope("billing", "c1", null);

    @Test
    void anEntrysKeysAreThereDuringTheCallAndGoneAfter() {
        MDC.put("app", "kept");
        scope.open(StreamEntry.of("orders", "1-0", Map.of("a", "b"), 3));
        assertEquals("orders", MDC.get(LogContext.STREAM));
        assertEquals("billing", MDC.get(LogContext.GROUP));
        assertEquals("c1", MDC.get(LogContext.CONSUMER));
        assertEquals("1-0", MDC.get(LogContext.ENTRY_ID));
        assertEquals("3", MDC.get(LogContext.DELIVERY_COUNT));
        assertNull(MDC.get(LogContext.BATCH_SIZE));
        scope.close(null, null);
        assertEquals(Map.of("app", "kept"), MDC.getCopyOfContextMap(), "only Rill's keys are removed");
        MDC.clear();
    }

    @Test
    void aBatchHasItsFirstEntryAndItsSizeAndNothingIsLeftAfter() {
        scope.open(List.of(StreamEntry.of("orders", "1-0", Map.of()), StreamEntry.of("orders", "2-0", Map.of())));
        assertEquals("1-0", MDC.get(LogContext.ENTRY_ID));
        assertEquals("2", MDC.get(LogContext.BATCH_SIZE));
        assertNull(MDC.get(LogContext.DELIVERY_COUNT), "unknown for an entry built without one");
        scope.close(null, null);
        Map<String, String> left = MDC.getCopyOfContextMap();
        assertTrue(left == null || left.isEmpty(), "left: " + left);
    }
}
