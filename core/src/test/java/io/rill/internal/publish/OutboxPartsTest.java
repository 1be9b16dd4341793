package io.rill.internal.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.rill.Output;
import io.rill.publish.OutboxFullException;

/** The outbox's pure parts: an entry as a journal record, and the buffer's accounting. */
class OutboxPartsTest {

    @Test
    void anEntryRoundTripsThroughItsJournalRecordByteForByte() {
        Map<String, byte[]> fields = new LinkedHashMap<>();
        fields.put("z", new byte[] {0, (byte) 0xFF, (byte) 0x80, 13, 10});
        fields.put("ä", "ü".getBytes(StandardCharsets.UTF_8));
        fields.put("empty", new byte[0]);
        for (Output output : List.of(Output.ofBytes("orders:{1}", fields), builder(fields).maxLen(7).exactTrimming().build(),
                builder(fields).minId("1700000000000-3").build())) {
            KeyedEntry entry = new KeyedEntry("ключ-1", output);
            KeyedEntry back = EntryPayload.decode("orders:{1}", EntryPayload.encode(entry));
            assertEquals(entry.stream(), back.stream());
            assertEquals(entry.idempotencyKey(), back.idempotencyKey());
            assertEquals(output.trim(), back.entry().trim());
            assertEquals(output.threshold(), back.entry().threshold());
            assertEquals(output.exactTrimming(), back.entry().exactTrimming());
            assertEquals(output, back.entry());
            assertEquals(List.copyOf(fields.keySet()), List.copyOf(back.entry().fields().keySet()), "field order kept");
            fields.forEach((name, value) -> assertArrayEquals(value, back.entry().fields().get(name), name));
        }
    }

    private static Output.Builder builder(Map<String, byte[]> fields) {
        Output.Builder builder = Output.to("orders:{1}");
        fields.forEach(builder::field);
        return builder;
    }

    @Test
    void anEntryWithoutKeyOrFieldsIsRefusedNamingWhatIsMissing() {
        IllegalArgumentException noKey = assertThrows(IllegalArgumentException.class,
                () -> new KeyedEntry("", Output.of("orders", Map.of("n", "1"))));
        assertTrue(noKey.getMessage().contains("idempotency key"), noKey.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new KeyedEntry(null, Output.of("orders", Map.of("n", "1"))));
        IllegalArgumentException noFields = assertThrows(IllegalArgumentException.class, () -> Output.of("orders", Map.of()));
        assertTrue(noFields.getMessage().contains("at least one field"), noFields.getMessage());
    }

    @Test
    void traceFieldsAreAddedAfterTheEntrysOwnKeepingItsFieldsAndTrim() {
        Output output = Output.to("orders").field("n", "1").field("traceparent", "mine").maxLen(5).exactTrimming().build();
        KeyedEntry traced = new KeyedEntry("k", output).withFieldsAbsent(Map.of("traceparent",
                "theirs".getBytes(StandardCharsets.UTF_8), "tracestate", "s".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("n", "traceparent", "tracestate"), List.copyOf(traced.entry().fields().keySet()));
        assertArrayEquals("mine".getBytes(StandardCharsets.UTF_8), traced.entry().fields().get("traceparent"));
        assertEquals(output.trim(), traced.entry().trim());
        assertEquals(output.threshold(), traced.entry().threshold());
        assertTrue(traced.entry().exactTrimming());
        assertEquals("k", traced.idempotencyKey());
    }

    @Test
    void aFullBufferFailsNamingTheLimitAndReservesNothing() {
        Capacity capacity = new Capacity(3, 100, "the outbox");
        capacity.reserve(10);
        capacity.reserve(10);
        capacity.reserve(10);
        OutboxFullException entries = assertThrows(OutboxFullException.class, () -> capacity.reserve(1));
        assertEquals("outbox.max-entries", entries.option());
        assertTrue(entries.getMessage().contains("outbox.max-entries = 3"), entries.getMessage());
        assertTrue(entries.getMessage().contains("not written"), entries.getMessage());
        assertEquals(3, capacity.entries());
        assertEquals(30, capacity.bytes());

        capacity.release(10);
        OutboxFullException bytes = assertThrows(OutboxFullException.class, () -> capacity.reserve(81));
        assertEquals("outbox.max-bytes", bytes.option());
        assertEquals(2, capacity.entries(), "a failed reservation takes nothing");
        capacity.reserve(80);
        assertEquals(100, capacity.bytes());

        OutboxFullException tooLarge = assertThrows(OutboxFullException.class,
                () -> new Capacity(10, 100, "the outbox").reserve(101));
        assertTrue(tooLarge.getMessage().contains("larger than the whole"), tooLarge.getMessage());
    }

    @Test
    void entriesFoundAtOpenCountWhateverTheLimits() {
        Capacity capacity = new Capacity(1, 1024, "the outbox");
        capacity.recovered(600);
        capacity.recovered(600);
        assertEquals(2, capacity.entries());
        assertThrows(OutboxFullException.class, () -> capacity.reserve(1));
        capacity.release(600);
        capacity.release(600);
        capacity.reserve(1);
    }
}
