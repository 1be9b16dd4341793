package io.rill.internal.connect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** The read connection's codec: keys as UTF-8 text, values as raw bytes. */
class EntryCodecTest {

    private static final byte[] NOT_UTF8 = HexFormat.of().parseHex("089601fffe00c3");
    private final EntryCodec codec = EntryCodec.INSTANCE;

    @Test
    void valuesAreDecodedAsTheirBytesAndKeysAsUtf8() {
        assertArrayEquals(NOT_UTF8, codec.decodeValue(ByteBuffer.wrap(NOT_UTF8)));
        assertArrayEquals(new byte[0], codec.decodeValue(ByteBuffer.allocate(0)));
        assertEquals("grüße", codec.decodeKey(ByteBuffer.wrap("grüße".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aDecodedValueIsACopyOfTheNetworkBuffer() {
        byte[] network = NOT_UTF8.clone();
        byte[] value = codec.decodeValue(ByteBuffer.wrap(network));
        network[0] = 42; // Lettuce reuses its buffers
        assertArrayEquals(NOT_UTF8, value);
    }

    @Test
    void valuesAndKeysAreEncodedUnchanged() {
        ByteBuf target = Unpooled.buffer();
        codec.encodeValue(NOT_UTF8, target);
        codec.encodeKey("ü", target);
        byte[] written = new byte[target.readableBytes()];
        target.readBytes(written);
        assertEquals("089601fffe00c3" + "c3bc", HexFormat.of().formatHex(written));
        assertEquals(NOT_UTF8.length, codec.estimateSize(NOT_UTF8));
        assertTrue(codec.estimateSize("ü") >= 2);

        ByteBuffer value = codec.encodeValue(NOT_UTF8);
        byte[] copy = new byte[value.remaining()];
        value.get(copy);
        assertArrayEquals(NOT_UTF8, copy);
        assertEquals("ü", StandardCharsets.UTF_8.decode(codec.encodeKey("ü")).toString());
    }

    @Test
    void aNameDecodedAgainIsTheSameTextAndManyNamesNeverMixUp() {
        String first = codec.decodeKey(direct("payload"));
        assertEquals("payload", first);
        assertTrue(first == codec.decodeKey(direct("payload")), "a repeated name is taken from the cache");
        // far more names than the cache has slots: colliding and overwritten slots must only be misses
        Set<String> seen = new HashSet<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 5_000; i++) {
                String name = "field-" + i;
                assertEquals(name, codec.decodeKey(direct(name)));
                seen.add(name);
            }
        }
        assertEquals(5_000, seen.size());
    }

    @Test
    void namesAreDecodedFromWhereTheBufferStandsAndLongOrInvalidOnesToo() {
        ByteBuffer framed = ByteBuffer.allocateDirect(32);
        framed.put("$5\r\norder".getBytes(StandardCharsets.US_ASCII)).flip().position(4);
        assertEquals("order", codec.decodeKey(framed));
        assertEquals(4, framed.position(), "the buffer is left as it was");

        String longName = "n".repeat(70) + "ü";
        assertEquals(longName, codec.decodeKey(direct(longName)));
        assertEquals(longName, codec.decodeKey(direct(longName)));
        // not UTF-8: replacement characters, the same on a cache hit
        String invalid = codec.decodeKey(ByteBuffer.wrap(NOT_UTF8));
        assertTrue(invalid.contains("\uFFFD"));
        assertEquals(invalid, codec.decodeKey(ByteBuffer.wrap(NOT_UTF8)));
        assertEquals("", codec.decodeKey(ByteBuffer.allocate(0)));
    }

    @Test
    void namesThatShareASlotStayApartAndAHitIsComparedWhereTheNameLies() {
        // the same length and the same first, middle and last bytes: the same slot
        for (int round = 0; round < 3; round++) {
            assertEquals("pAyload", codec.decodeKey(direct("pAyload")));
            assertEquals("pByload", codec.decodeKey(direct("pByload")));
        }
        ByteBuffer framed = ByteBuffer.allocateDirect(32);
        framed.put("$7\r\nshipped\r\n".getBytes(StandardCharsets.US_ASCII)).flip().position(4).limit(11);
        String first = codec.decodeKey(framed);
        assertEquals("shipped", first);
        assertTrue(first == codec.decodeKey(framed), "a hit, read from the buffer's position on");
        assertEquals(4, framed.position());
        assertEquals(11, framed.limit());
    }

    @Test
    void aCachedNameMatchesOnlyItsOwnBytesAtEveryLengthByteAndOrder() {
        for (ByteOrder order : new ByteOrder[] { ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN }) {
            for (int length = 1; length <= 21; length++) {
                byte[] name = new byte[length];
                for (int i = 0; i < length; i++) {
                    name[i] = (byte) ('a' + i);
                }
                ByteBuffer framed = ByteBuffer.allocateDirect(length + 6).order(order);
                framed.put("$".getBytes(StandardCharsets.US_ASCII)).put(name).put("\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(EntryCodec.sameBytes(framed, 1, name), "length " + length + ", " + order);
                for (int i = 0; i < length; i++) { // a difference in any 8-, 4-, 2- or 1-byte read
                    framed.put(1 + i, (byte) (name[i] ^ 0x20));
                    assertFalse(EntryCodec.sameBytes(framed, 1, name), "byte " + i + " of " + length + ", " + order);
                    framed.put(1 + i, name[i]);
                }
            }
        }
    }

    private static ByteBuffer direct(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    @Test
    void scriptRepliesTurnIntoText() {
        assertEquals("1700000000000-0", EntryCodec.text("1700000000000-0".getBytes(StandardCharsets.US_ASCII)));
        assertNull(EntryCodec.text(null));
        assertArrayEquals("g".getBytes(StandardCharsets.UTF_8), EntryCodec.utf8("g"));
    }
}
