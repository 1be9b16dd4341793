package io.rill.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Values are shown as text when they are text, else as hex, exactly. */
class ValuesTest {

    @Test
    void textStaysText() {
        Values.Shown shown = Values.show("twelve € \"x\"\n".getBytes(StandardCharsets.UTF_8), 100);
        assertFalse(shown.hex());
        assertEquals("twelve € \"x\"\n", shown.text());
        assertFalse(shown.truncated());
    }

    @Test
    void binaryIsShownAsHex() {
        Values.Shown shown = Values.show(new byte[] { 0, 1, (byte) 0xff, 0x7f, 0x41 }, 100);
        assertTrue(shown.hex());
        assertEquals("00 01 ff 7f 41", shown.text());
        assertEquals(5, shown.length());
    }

    @Test
    void invalidUtf8AndControlCharactersAreBinary() {
        assertTrue(Values.show(new byte[] { (byte) 0xc3, 0x28 }, 100).hex()); // a broken two-byte sequence
        assertTrue(Values.show("bell\u0007".getBytes(StandardCharsets.UTF_8), 100).hex());
        assertFalse(Values.show("tab\tand\r\nbreaks".getBytes(StandardCharsets.UTF_8), 100).hex());
    }

    @Test
    void longValuesAreCutAndSaySo() {
        Values.Shown hex = Values.show(new byte[] { 0, 1, 2, 3, 4, 5 }, 4);
        assertEquals("00 01 02 03", hex.text());
        assertTrue(hex.truncated());
        assertEquals(6, hex.length());

        // text is cut on a character boundary: "€" is three bytes and does not fit in the fourth to sixth
        Values.Shown text = Values.show("ab€cd".getBytes(StandardCharsets.UTF_8), 4);
        assertEquals("ab", text.text());
        assertTrue(text.truncated());
    }

    @Test
    void emptyAndNullValues() {
        assertEquals("", Values.show(new byte[0], 10).text());
        assertEquals("", Values.show(null, 10).text());
    }
}
