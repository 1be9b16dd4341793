package io.rill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The byte and text views of an entry's values, without Redis. */
class StreamEntryTest {

    private static final byte[] NOT_UTF8 = HexFormat.of().parseHex("089601fffe00c3");

    private static StreamEntry binary() {
        Map<String, byte[]> values = new LinkedHashMap<>();
        values.put("z", "last-name-first".getBytes(StandardCharsets.UTF_8));
        values.put("blob", NOT_UTF8);
        values.put("text", "grüße".getBytes(StandardCharsets.UTF_8));
        return StreamEntry.ofBytes("s", "1-0", values, 1);
    }

    @Test
    void bytesAreTheValuesExactlyInTheOrderWritten() {
        StreamEntry entry = binary();
        assertArrayEquals(NOT_UTF8, entry.bytes("blob"));
        assertNull(entry.bytes("missing"));
        Map<String, byte[]> all = entry.byteFields();
        assertEquals(List.of("z", "blob", "text"), new ArrayList<>(all.keySet()));
        assertArrayEquals(NOT_UTF8, all.get("blob"));
        assertEquals(3, all.size());
    }

    @Test
    void noCallerCanChangeTheBytesOfAnEntry() {
        StreamEntry entry = binary();
        entry.bytes("blob")[0] = 42;
        entry.byteFields().get("blob")[0] = 42;
        entry.byteFields().values().iterator().next()[0] = 42;
        assertArrayEquals(NOT_UTF8, entry.bytes("blob"));
        assertEquals("last-name-first", entry.field("z"));
        assertThrows(UnsupportedOperationException.class, () -> entry.byteFields().put("x", new byte[0]));
        assertThrows(UnsupportedOperationException.class, () -> entry.byteFields().remove("blob"));
        assertThrows(UnsupportedOperationException.class, () -> entry.byteFields().keySet().clear());
        assertThrows(UnsupportedOperationException.class, () -> entry.fields().put("x", "y"));
    }

    @Test
    void theTextViewDecodesUtf8AndShowsInvalidBytesAsReplacementCharacters() {
        StreamEntry entry = binary();
        assertEquals("grüße", entry.field("text"));
        // 08 96 01 ff fe 00 c3: each byte that starts no valid sequence becomes U+FFFD
        assertEquals("\u0008\uFFFD\u0001\uFFFD\uFFFD\u0000\uFFFD", entry.field("blob"));
        assertNull(entry.field("missing"));
        assertEquals(List.of("z", "blob", "text"), new ArrayList<>(entry.fields().keySet()));
        assertEquals("grüße", entry.fields().get("text"));
    }

    @Test
    void theTextViewIsDecodedOnceAndKept() {
        StreamEntry entry = binary();
        Map<String, String> fields = entry.fields();
        assertSame(fields, entry.fields());
        assertSame(fields.get("text"), entry.field("text"));
        assertSame(fields, entry.withDeliveryCount(2).fields(), "a copy with another count shares the decoded view");
    }

    @Test
    void anEntryMadeOfTextHasItsUtf8Bytes() {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("b", "ü✓");
        text.put("a", "");
        StreamEntry entry = StreamEntry.of("s", "1-0", text);
        assertSame(entry.fields(), entry.fields());
        assertEquals("ü✓", entry.field("b"));
        assertArrayEquals("ü✓".getBytes(StandardCharsets.UTF_8), entry.bytes("b"));
        assertArrayEquals(new byte[0], entry.byteFields().get("a"));
        assertEquals(List.of("b", "a"), new ArrayList<>(entry.byteFields().keySet()));
        assertTrue(entry.deliveryCount().isEmpty());
    }

    @Test
    void deliveryCountsAreCheckedAndIdentityIsStreamAndId() {
        assertThrows(IllegalArgumentException.class, () -> StreamEntry.ofBytes("s", "1-0", Map.of(), 0));
        assertThrows(IllegalArgumentException.class, () -> binary().withDeliveryCount(0));
        StreamEntry entry = binary().withDeliveryCount(4);
        assertEquals(4, entry.deliveryCount().getAsLong());
        assertArrayEquals(NOT_UTF8, entry.bytes("blob"));
        assertEquals(StreamEntry.of("s", "1-0", Map.of()), entry);
        assertEquals(StreamEntry.of("s", "1-0", Map.of()).hashCode(), entry.hashCode());
    }
}
