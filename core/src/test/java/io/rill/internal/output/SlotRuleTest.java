package io.rill.internal.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The cluster rule of semantics 12 and the server probe it depends on. */
class SlotRuleTest {

    @Test
    void streamsOfOneHashTagPass() {
        assertNull(SlotRule.violation(List.of("{orders}:in"), Set.of("{orders}:invoices", "{orders}:audit")));
    }

    @Test
    void crossSlotStreamsAreNamedWithTheirSlotsAndTheFix() {
        String message = SlotRule.violation(List.of("orders"), Set.of("invoices"));
        assertTrue(message.contains("'invoices' (slot ") && message.contains("input 'orders' (slot "), message);
        assertTrue(message.contains("'{orders}:invoices'"), message);
    }

    @Test
    void theTagIsWhatDecidesTheSlot() {
        assertEquals("a", SlotRule.hashTag("x{a}y"));
        assertEquals("x{}y", SlotRule.hashTag("x{}y"));
        assertEquals("orders", SlotRule.hashTag("orders"));
    }

    @Test
    void theProbeReadsClusterModeAndIdempotentAdd() {
        ServerFacts seven = ServerFacts.parse("# Server\r\nredis_version:7.0.15\r\n", "# Cluster\r\ncluster_enabled:1\r\n");
        assertTrue(seven.cluster());
        assertFalse(seven.idempotentAdd());
        assertEquals("7.0.15", seven.version());
        assertTrue(ServerFacts.parse("redis_version:8.6.2\n", "cluster_enabled:0\n").idempotentAdd());
        assertFalse(ServerFacts.parse("redis_version:8.6.1\n", "cluster_enabled:0\n").idempotentAdd());
        assertTrue(ServerFacts.parse("redis_version:9.0.0\n", "").idempotentAdd());
        assertFalse(ServerFacts.parse("redis_version:8.6.2\n", "cluster_enabled:0\n").cluster());
    }
}
