package io.rill.internal.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.lettuce.core.cluster.SlotHash;
import io.rill.Output;

/** The pure parts of the idempotent XADD: dedup key names, script arguments, the IDMP version probe. */
class IdempotentXaddTest {

    @Test
    void theDedupKeySharesTheStreamsHashSlot() {
        assertEquals("{orders}:idem:req-1", IdempotentXadd.dedupKey("orders", "req-1"));
        assertEquals("orders:{3}:idem:req-1", IdempotentXadd.dedupKey("orders:{3}", "req-1"));
        for (String stream : new String[] {"orders", "orders:{3}", "{shop}:orders", "a b", "ü"}) {
            assertEquals(SlotHash.getSlot(stream.contains("{") ? stream : "{" + stream + "}"),
                    SlotHash.getSlot(IdempotentXadd.dedupKey(stream, "k")), stream);
        }
        assertEquals(SlotHash.getSlot("orders:{3}"), SlotHash.getSlot(IdempotentXadd.dedupKey("orders:{3}", "k")));
    }

    @Test
    void differentKeysAndStreamsGetDifferentDedupKeys() {
        assertFalse(IdempotentXadd.dedupKey("orders", "a").equals(IdempotentXadd.dedupKey("orders", "b")));
        assertFalse(IdempotentXadd.dedupKey("orders", "a").equals(IdempotentXadd.dedupKey("refunds", "a")));
    }

    @Test
    void argumentsCarryRetentionTrimAndFieldsInOrder() {
        Map<String, byte[]> fields = new LinkedHashMap<>();
        fields.put("b", new byte[] {0, -1, 10});
        fields.put("a", "x".getBytes(StandardCharsets.UTF_8));
        KeyedEntry entry = new KeyedEntry("k", Output.ofBytes("orders", fields));

        byte[][] plain = IdempotentXadd.args(entry, Duration.ofMinutes(1));
        assertEquals(6, plain.length);
        assertEquals("60000", new String(plain[0], StandardCharsets.UTF_8));
        assertEquals("0", new String(plain[1], StandardCharsets.UTF_8));
        assertEquals("b", new String(plain[2], StandardCharsets.UTF_8));
        assertArrayEquals(new byte[] {0, -1, 10}, plain[3]);
        assertEquals("a", new String(plain[4], StandardCharsets.UTF_8));

        byte[][] trimmed = IdempotentXadd.args(new KeyedEntry("k", trimmed(fields).maxLen(1000).build()), Duration.ofMinutes(1));
        assertEquals("3", new String(trimmed[1], StandardCharsets.UTF_8));
        assertEquals("MAXLEN", new String(trimmed[2], StandardCharsets.UTF_8));
        assertEquals("~", new String(trimmed[3], StandardCharsets.UTF_8));
        assertEquals("1000", new String(trimmed[4], StandardCharsets.UTF_8));
        byte[][] minId = IdempotentXadd.args(new KeyedEntry("k", trimmed(fields).minId("5-0").exactTrimming().build()),
                Duration.ofMinutes(1));
        assertEquals("MINID", new String(minId[2], StandardCharsets.UTF_8));
        assertEquals("=", new String(minId[3], StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> Output.to("orders").minId("yesterday"));
    }

    private static Output.Builder trimmed(Map<String, byte[]> fields) {
        Output.Builder builder = Output.to("orders");
        fields.forEach(builder::field);
        return builder;
    }

    @Test
    void theXaddTakesAnyNumberOfFieldsThroughTheWideCall() {
        // Lua's unpack stops near 8,000 values: the script must not unpack an entry's fields itself
        assertTrue(IdempotentXadd.SCRIPT.contains("call_wide(args)"), IdempotentXadd.SCRIPT);
        assertFalse(IdempotentXadd.SCRIPT.contains("unpack(args)"), IdempotentXadd.SCRIPT);
    }

    @Test
    void idmpIsDetectedFrom862On() {
        assertFalse(IdempotentXadd.hasIdmp("7.0.15"));
        assertFalse(IdempotentXadd.hasIdmp("8.4.0"));
        assertFalse(IdempotentXadd.hasIdmp("8.6.1"));
        assertTrue(IdempotentXadd.hasIdmp("8.6.2"));
        assertTrue(IdempotentXadd.hasIdmp("8.8.0"));
        assertTrue(IdempotentXadd.hasIdmp("9.0.0"));
        assertFalse(IdempotentXadd.hasIdmp("garbage"));
        assertFalse(IdempotentXadd.hasIdmp(null));
        assertEquals("7.0.15", IdempotentXadd.version("# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:0\r\n"));
    }
}
