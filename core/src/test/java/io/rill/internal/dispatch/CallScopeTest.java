package io.rill.internal.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import io.rill.LogContext;
import io.rill.StreamEntry;

/**
 * The MDC keys of handler calls (design: observability): each call's own during the call, whatever the call
 * before did to them; kept between the calls of a unit of work and gone when it ends.
 */
class CallScopeTest {

    private final CallScope scope = new CallScope("billing", "c1", null);

    @AfterEach
    void clearMdc() {
        MDC.clear();
    }

    private static String keys() {
        return MDC.get(LogContext.STREAM) + " " + MDC.get(LogContext.GROUP) + " " + MDC.get(LogContext.CONSUMER) + " "
                + MDC.get(LogContext.ENTRY_ID) + " " + MDC.get(LogContext.DELIVERY_COUNT) + " "
                + MDC.get(LogContext.BATCH_SIZE);
    }

    @Test
    void anEntrysKeysAreThereDuringTheCallAndGoneWhenTheUnitEnds() {
        MDC.put("app", "kept");
        scope.open(StreamEntry.of("orders", "1-0", Map.of("a", "b"), 3));
        assertEquals("orders billing c1 1-0 3 null", keys());
        scope.close(null, null);
        scope.open(StreamEntry.of("orders", "2-0", Map.of("a", "b"), 1));
        assertEquals("orders billing c1 2-0 1 null", keys(), "the next call's own");
        scope.close(null, null);
        scope.clear();
        assertEquals(Map.of("app", "kept"), MDC.getCopyOfContextMap(), "only Rill's keys are removed");
    }

    @Test
    void whatAHandlerDidToTheKeysDoesNotReachTheNextCall() {
        scope.open(StreamEntry.of("orders", "1-0", Map.of(), 2));
        MDC.clear(); // a handler that clears the MDC when it is done
        scope.close(null, null);
        scope.open(StreamEntry.of("orders", "2-0", Map.of(), 2));
        assertEquals("orders billing c1 2-0 2 null", keys());
        MDC.put(LogContext.GROUP, "mine"); // or changes one of Rill's keys
        MDC.put(LogContext.STREAM, "elsewhere");
        scope.close(null, null);
        scope.open(StreamEntry.of("payments", "3-0", Map.of()));
        assertEquals("payments billing c1 3-0 null null", keys(), "no count known: none left from the call before");
        scope.close(null, null);
        scope.clear();
        Map<String, String> left = MDC.getCopyOfContextMap();
        assertTrue(left == null || left.isEmpty(), "left: " + left);
    }

    @Test
    void aBatchHasItsFirstEntryAndItsSizeAndNothingIsLeftAfterTheUnit() {
        scope.open(List.of(StreamEntry.of("orders", "1-0", Map.of()), StreamEntry.of("orders", "2-0", Map.of())));
        assertEquals("orders billing c1 1-0 null 2", keys());
        assertNull(MDC.get(LogContext.DELIVERY_COUNT), "unknown for an entry built without one");
        scope.close(null, null);
        scope.clear();
        Map<String, String> left = MDC.getCopyOfContextMap();
        assertTrue(left == null || left.isEmpty(), "left: " + left);
    }
}
