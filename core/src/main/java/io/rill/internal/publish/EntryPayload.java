package io.rill.internal.publish;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import io.rill.publish.OutgoingEntry;
import io.rill.publish.Trim;

/**
 * An outgoing entry as the bytes of an outbox journal record (the stream is the record's own field):
 * idempotency key, trim kind, approximate flag, threshold, field count, then name/value pairs, every
 * string and value as a length (int) and its bytes. The journal frames and checksums the record.
 */
public final class EntryPayload {

    private EntryPayload() {
    }

    public static byte[] encode(OutgoingEntry entry) {
        byte[] key = entry.idempotencyKey().getBytes(StandardCharsets.UTF_8);
        byte[] threshold = entry.trim().threshold().getBytes(StandardCharsets.UTF_8);
        int size = 4 + key.length + 1 + 1 + 4 + threshold.length + 4;
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> field : entry.fields().entrySet()) {
            byte[] name = field.getKey().getBytes(StandardCharsets.UTF_8);
            fields.put(name, field.getValue());
            size += 8 + name.length + field.getValue().length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        put(out, key);
        out.put((byte) entry.trim().kind().ordinal());
        out.put((byte) (entry.trim().approximate() ? 1 : 0));
        put(out, threshold);
        out.putInt(fields.size());
        fields.forEach((name, value) -> {
            put(out, name);
            put(out, value);
        });
        return out.array();
    }

    public static OutgoingEntry decode(String stream, byte[] payload) {
        ByteBuffer in = ByteBuffer.wrap(payload);
        String key = new String(get(in), StandardCharsets.UTF_8);
        Trim.Kind kind = Trim.Kind.values()[in.get()];
        boolean approximate = in.get() == 1;
        String threshold = new String(get(in), StandardCharsets.UTF_8);
        int n = in.getInt();
        Map<String, byte[]> fields = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            fields.put(new String(get(in), StandardCharsets.UTF_8), get(in));
        }
        return new OutgoingEntry(stream, key, fields, new Trim(kind, threshold, approximate));
    }

    private static void put(ByteBuffer out, byte[] bytes) {
        out.putInt(bytes.length);
        out.put(bytes);
    }

    private static byte[] get(ByteBuffer in) {
        byte[] bytes = new byte[in.getInt()];
        in.get(bytes);
        return bytes;
    }
}
