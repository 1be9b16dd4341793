package io.rill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The output value of semantics 12: immutable, byte-exact, validated when built. */
class OutputTest {

    @Test
    void fieldsKeepTheirOrderAndBytesAndCannotBeChangedAfterwards() {
        byte[] raw = { 0, (byte) 0xff, 'a' };
        Output output = Output.to("invoices").field("b", "2").field("a", raw).field("c", "é").build();
        raw[0] = 9; // the builder copied it
        assertEquals(List.of("b", "a", "c"), List.copyOf(output.fields().keySet()));
        assertArrayEquals(new byte[] { 0, (byte) 0xff, 'a' }, output.fields().get("a"));
        assertArrayEquals("é".getBytes(java.nio.charset.StandardCharsets.UTF_8), output.fields().get("c"));
        assertThrows(UnsupportedOperationException.class, () -> output.fields().put("d", new byte[0]));
        assertEquals(Output.Trim.NONE, output.trim());
        assertFalse(output.threshold().isPresent());
    }

    @Test
    void trimmingIsMaxLenOrMinIdApproximateByDefault() {
        Output byLength = Output.to("s").field("a", "1").maxLen(1000).build();
        assertEquals(Output.Trim.MAXLEN, byLength.trim());
        assertEquals(1000, byLength.maxLen().getAsLong());
        assertFalse(byLength.exactTrimming());
        Output byId = Output.to("s").field("a", "1").minId("1700000000000-0").exactTrimming().build();
        assertEquals(Output.Trim.MINID, byId.trim());
        assertEquals("1700000000000-0", byId.threshold().get());
        assertTrue(byId.exactTrimming());
        assertFalse(byId.maxLen().isPresent());
    }

    @Test
    void equalityComparesTheBytes() {
        Map<String, byte[]> fields = new LinkedHashMap<>();
        fields.put("a", new byte[] { 1, 2 });
        assertEquals(Output.ofBytes("s", fields), Output.ofBytes("s", Map.of("a", new byte[] { 1, 2 })));
        assertEquals(Output.ofBytes("s", fields).hashCode(), Output.ofBytes("s", Map.of("a", new byte[] { 1, 2 })).hashCode());
        assertNotEquals(Output.ofBytes("s", fields), Output.ofBytes("s", Map.of("a", new byte[] { 1, 3 })));
        assertNotEquals(Output.of("s", Map.of("a", "1")), Output.of("t", Map.of("a", "1")));
    }

    @Test
    void badOutputsAreRefusedWhenBuiltNamingWhatIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Output.to("s").build()).getMessage()
                .contains("needs at least one field"));
        assertThrows(IllegalArgumentException.class, () -> Output.to(" "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Output.to("s").maxLen(-1)).getMessage().contains("maxLen"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Output.to("s").minId("yesterday")).getMessage()
                .contains("minId"));
        assertThrows(NullPointerException.class, () -> Output.to("s").field("a", (String) null));
    }
}
