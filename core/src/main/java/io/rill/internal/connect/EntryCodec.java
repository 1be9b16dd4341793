package io.rill.internal.connect;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.codec.ToByteBufEncoder;
import io.netty.buffer.ByteBuf;

/**
 * The codec of the read connection: keys as UTF-8 strings, values as the raw bytes Redis holds. Lettuce
 * decodes an XREADGROUP reply's stream key and field names with {@link #decodeKey} and field values with
 * {@link #decodeValue}, so entries arrive with names as text and values untouched. A script reply
 * ({@code EVAL ... MULTI}) decodes every bulk string with {@link #decodeValue}: there IDs and field names
 * come as bytes too, and the caller turns them into text.
 *
 * <p>Decoding a value is one array copy out of the network buffer, cheaper than the UTF-8 decoding of the
 * string codec it replaces; a name seen lately is not decoded again. Encoding writes straight into Lettuce's buffer, without an intermediate array.
 */
public final class EntryCodec implements RedisCodec<String, byte[]>, ToByteBufEncoder<String, byte[]> {

    public static final EntryCodec INSTANCE = new EntryCodec();

    private static final byte[] EMPTY = new byte[0];

    /**
     * Names decoded lately (stream keys, field names), by their length and three of their bytes: every entry of a
     * stream repeats the same few names, and a hit costs neither a String nor an array nor a copy out of the
     * network buffer (the cached name is compared where it lies). Slots are overwritten without locks; a stale
     * or colliding slot is only a miss.
     */
    private static final int NAME_CACHE_SLOTS = 256;
    private static final int NAME_CACHE_MAX_LENGTH = 64;
    private final Name[] names = new Name[NAME_CACHE_SLOTS];

    /** A cached name: its bytes (never written after it is made, so shared by threads) and its text. */
    private record Name(byte[] bytes, String text) {
    }

    /** A name's bytes read 8, 4 or 2 at a time, in the network buffer's (Java's default) byte order. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    private EntryCodec() {
    }

    @Override
    public String decodeKey(ByteBuffer bytes) {
        if (bytes == null) {
            return null;
        }
        int length = bytes.remaining();
        if (length == 0 || length > NAME_CACHE_MAX_LENGTH) {
            return utf8(bytes, length);
        }
        int at = bytes.position();
        int hash = length * 961 + bytes.get(at) * 31 + bytes.get(at + length / 2);
        hash = 31 * hash + bytes.get(at + length - 1);
        int slot = (hash ^ (hash >>> 8)) & (NAME_CACHE_SLOTS - 1);
        Name cached = names[slot];
        if (cached != null && cached.bytes.length == length && sameBytes(bytes, at, cached.bytes)) {
            return cached.text;
        }
        byte[] copy = copy(bytes, length);
        String text = new String(copy, StandardCharsets.UTF_8);
        names[slot] = new Name(copy, text); // a racing write may win: either is right
        return text;
    }

    /**
     * Whether {@code name} lies in {@code buffer} at {@code at}, read with absolute gets (the buffer does not move):
     * the longest reads that fit (8, 4, 2, then 1 byte), each one checked read, where ByteBuffer.equals reads a
     * name shorter than eight bytes one checked byte at a time from each side (ad hoc: 22 against 10 ns for a
     * 7-byte name from a direct buffer).
     */
    static boolean sameBytes(ByteBuffer buffer, int at, byte[] name) {
        int length = name.length;
        if (buffer.order() != ByteOrder.BIG_ENDIAN) { // the views below read big-endian
            for (int i = 0; i < length; i++) {
                if (buffer.get(at + i) != name[i]) {
                    return false;
                }
            }
            return true;
        }
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            if (buffer.getLong(at + i) != (long) LONGS.get(name, i)) {
                return false;
            }
        }
        if (i + Integer.BYTES <= length) {
            if (buffer.getInt(at + i) != (int) INTS.get(name, i)) {
                return false;
            }
            i += Integer.BYTES;
        }
        if (i + Short.BYTES <= length) {
            if (buffer.getShort(at + i) != (short) SHORTS.get(name, i)) {
                return false;
            }
            i += Short.BYTES;
        }
        return i == length || buffer.get(at + i) == name[i];
    }

    private static String utf8(ByteBuffer bytes, int length) {
        return new String(copy(bytes, length), StandardCharsets.UTF_8);
    }

    /** One bulk copy out of the network buffer (a direct one checks its memory on every single get). */
    private static byte[] copy(ByteBuffer bytes, int length) {
        byte[] copy = new byte[length];
        bytes.get(bytes.position(), copy);
        return copy;
    }

    @Override
    public byte[] decodeValue(ByteBuffer bytes) {
        if (bytes == null || !bytes.hasRemaining()) {
            return EMPTY; // shared: no one writes into an entry's values
        }
        byte[] value = new byte[bytes.remaining()];
        bytes.get(value);
        return value;
    }

    @Override
    public ByteBuffer encodeKey(String key) {
        return StringCodec.UTF8.encodeKey(key);
    }

    @Override
    public ByteBuffer encodeValue(byte[] value) {
        return ByteBuffer.wrap(value == null ? EMPTY : value);
    }

    @Override
    public void encodeKey(String key, ByteBuf target) {
        StringCodec.UTF8.encodeKey(key, target);
    }

    @Override
    public void encodeValue(byte[] value, ByteBuf target) {
        if (value != null) {
            target.writeBytes(value);
        }
    }

    @Override
    public int estimateSize(Object keyOrValue) {
        if (keyOrValue instanceof byte[] bytes) {
            return bytes.length;
        }
        return StringCodec.UTF8.estimateSize(keyOrValue); // a key: its UTF-8 upper bound
    }

    /** The UTF-8 bytes of a text argument (script arguments are values, so bytes here). */
    public static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Text out of a script reply's bulk string (an ID, a field name, a cursor); null stays null. */
    public static String text(Object reply) {
        return reply == null ? null : new String((byte[]) reply, StandardCharsets.UTF_8);
    }
}
