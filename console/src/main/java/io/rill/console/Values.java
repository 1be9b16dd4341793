package io.rill.console;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * How an entry's value is shown: as text when it is valid UTF-8 without control characters (tabs and
 * line breaks allowed), else as hex, so that binary values are shown exactly instead of as replacement
 * characters. The result is plain text, to be escaped by {@link Html#text} like everything else.
 */
public final class Values {

    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    private Values() {
    }

    /** A value as shown: its text, or its bytes in hex. */
    public record Shown(String text, boolean hex, int length, boolean truncated) {
    }

    /** {@code value} as text or hex, at most {@code maxBytes} of it. */
    public static Shown show(byte[] value, int maxBytes) {
        if (value == null) {
            return new Shown("", false, 0, false);
        }
        String text = utf8(value);
        if (text != null) {
            if (value.length <= maxBytes) {
                return new Shown(text, false, value.length, false);
            }
            // cut on a character boundary: the prefix of the text whose UTF-8 form fits
            int end = 0;
            int bytes = 0;
            while (end < text.length()) {
                int cp = text.codePointAt(end);
                int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                if (bytes + size > maxBytes) {
                    break;
                }
                bytes += size;
                end += Character.charCount(cp);
            }
            return new Shown(text.substring(0, end), false, value.length, true);
        }
        return new Shown(hex(value, maxBytes), true, value.length, value.length > maxBytes);
    }

    /** The first {@code maxBytes} bytes as lower-case hex pairs separated by spaces. */
    public static String hex(byte[] value, int maxBytes) {
        int n = Math.min(value.length, Math.max(0, maxBytes));
        return HEX.formatHex(value, 0, n);
    }

    /** The value as text when it is valid UTF-8 without control characters other than tab and line breaks, else null. */
    static String utf8(byte[] value) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t') {
                return null;
            }
        }
        return text;
    }
}
