package io.rill.internal.connect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

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
    void scriptRepliesTurnIntoText() {
        assertEquals("1700000000000-0", EntryCodec.text("1700000000000-0".getBytes(StandardCharsets.US_ASCII)));
        assertNull(EntryCodec.text(null));
        assertArrayEquals("g".getBytes(StandardCharsets.UTF_8), EntryCodec.utf8("g"));
    }
}
