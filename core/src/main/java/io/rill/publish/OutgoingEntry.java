package io.rill.publish;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One entry to publish idempotently: its stream, the idempotency key that identifies it (a request ID, an
 * order number: whatever stays the same when the caller retries), its fields and how the XADD trims.
 * Field values are bytes, written exactly; {@link #of} takes text and writes it as UTF-8. Field order is
 * kept. Immutable.
 */
public record OutgoingEntry(String stream, String idempotencyKey, Map<String, byte[]> fields, Trim trim) {

    /** Lua's unpack, which the script passes the fields through, takes at most about 8000 values. */
    static final int MAX_FIELDS = 3000;

    public OutgoingEntry {
        if (stream == null || stream.isEmpty()) {
            throw new IllegalArgumentException("stream must be set");
        }
        if (idempotencyKey == null || idempotencyKey.isEmpty()) {
            throw new IllegalArgumentException("idempotencyKey must be set: the same key for every retry of one entry");
        }
        Objects.requireNonNull(fields, "fields");
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("an entry needs at least one field");
        }
        if (fields.size() > MAX_FIELDS) {
            throw new IllegalArgumentException("an idempotent entry has at most " + MAX_FIELDS + " fields, this one has "
                    + fields.size());
        }
        Map<String, byte[]> copy = new LinkedHashMap<>();
        fields.forEach((name, value) -> copy.put(Objects.requireNonNull(name, "field name"),
                Objects.requireNonNull(value, () -> "value of field " + name).clone()));
        fields = Collections.unmodifiableMap(copy);
        trim = trim == null ? Trim.NONE : trim;
    }

    /** An entry with text fields (UTF-8), not trimming. */
    public static OutgoingEntry of(String stream, String idempotencyKey, Map<String, String> fields) {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        fields.forEach((name, value) -> bytes.put(name, Objects.requireNonNull(value, () -> "value of field " + name)
                .getBytes(StandardCharsets.UTF_8)));
        return new OutgoingEntry(stream, idempotencyKey, bytes, Trim.NONE);
    }

    /** An entry with byte fields, written exactly, not trimming. */
    public static OutgoingEntry ofBytes(String stream, String idempotencyKey, Map<String, byte[]> fields) {
        return new OutgoingEntry(stream, idempotencyKey, fields, Trim.NONE);
    }

    /** This entry, trimming its stream as {@code trim} says. */
    public OutgoingEntry trimmed(Trim trim) {
        return new OutgoingEntry(stream, idempotencyKey, fields, trim);
    }

    /** This entry with further fields after its own (for trace context); a field it has already is kept. */
    public OutgoingEntry withFields(Map<String, byte[]> more) {
        Map<String, byte[]> all = new LinkedHashMap<>(fields);
        more.forEach(all::putIfAbsent);
        return all.size() == fields.size() ? this : new OutgoingEntry(stream, idempotencyKey, all, trim);
    }
}
