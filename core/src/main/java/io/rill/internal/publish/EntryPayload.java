package io.rill.internal.publish;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import io.rill.Output;

/**
 * An entry to publish as the bytes of an outbox journal record (the stream is the record's own field):
 * idempotency key, trim kind ({@link Output.Trim}'s ordinal), exact flag, threshold, field count, then
 * name/value pairs, every string and value as a length (int) and its bytes. The journal frames and
 * checksums the record.
 */
public final class EntryPayload {

    private static final byte[] NO_THRESHOLD = new byte[0];

    private EntryPayload() {
    }

    public static byte[] encode(KeyedEntry keyed) {
        Output entry = keyed.entry();
        byte[] key = keyed.idempotencyKey().getBytes(StandardCharsets.UTF_8);
        byte[] threshold = entry.threshold().map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(NO_THRESHOLD);
        int size = 4 + key.length + 1 + 1 + 4 + threshold.length + 4;
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> field : entry.fields().entrySet()) {
            byte[] name = field.getKey().getBytes(StandardCharsets.UTF_8);
            fields.put(name, field.getValue());
            size += 8 + name.length + field.getValue().length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        put(out, key);
        out.put((byte) entry.trim().ordinal());
        out.put((byte) (entry.exactTrimming() ? 1 : 0));
        put(out, threshold);
        out.putInt(fields.size());
        fields.forEach((name, value) -> {
            put(out, name);
            put(out, value);
        });
        return out.array();
    }

    public static KeyedEntry decode(String stream, byte[] payload) {
        ByteBuffer in = ByteBuffer.wrap(payload);
        String key = new String(get(in), StandardCharsets.UTF_8);
        Output.Trim trim = Output.Trim.values()[in.get()];
        boolean exact = in.get() == 1;
        String threshold = new String(get(in), StandardCharsets.UTF_8);
        int n = in.getInt();
        Output.Builder builder = Output.to(stream);
        for (int i = 0; i < n; i++) {
            builder.field(new String(get(in), StandardCharsets.UTF_8), get(in));
        }
        return new KeyedEntry(key, KeyedEntry.trimmed(builder, trim, threshold, exact).build());
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
