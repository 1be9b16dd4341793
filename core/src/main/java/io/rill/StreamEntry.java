package io.rill;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One entry of a Redis stream as a handler sees it: the stream key, the entry ID, its fields in the
 * order they were written, and its delivery count.
 *
 * <p><b>Values are bytes.</b> Rill keeps each field's value as the bytes Redis holds:
 * {@link #bytes(String)} and {@link #byteFields()} give them exactly, whatever they contain.
 * {@link #fields()} and {@link #field(String)} are views of the values as UTF-8 text, decoded only when
 * asked for, so a handler that reads bytes (or nothing) pays for no decoding. In the text view, bytes
 * that are not valid UTF-8 become the replacement character U+FFFD: such a value can't be turned back
 * into its bytes from there, so read binary values with the byte accessors. Field <em>names</em> are
 * text, decoded from UTF-8 when the entry is read (a name that is not valid UTF-8 gets replacement
 * characters too).
 *
 * <p>Instances are immutable and thread-safe; the runtime creates one per entry it reads, without
 * copying the values it received.
 */
public final class StreamEntry {

    private static final long UNKNOWN = -1;

    private final String stream;
    private final String id;
    private final long deliveryCount;
    // One of the two is set at construction, the other derived on first use. Two threads racing may
    // both derive it; the results are equal and either may stay.
    private volatile Map<String, byte[]> raw;
    private volatile Map<String, String> text;

    private StreamEntry(String stream, String id, Map<String, byte[]> raw, Map<String, String> text, long deliveryCount) {
        this.stream = Objects.requireNonNull(stream, "stream");
        this.id = Objects.requireNonNull(id, "id");
        this.raw = raw;
        this.text = text;
        this.deliveryCount = deliveryCount;
    }

    /**
     * An entry with text values (stored as their UTF-8 bytes) whose delivery count is not known. The map
     * is kept, not copied: it must not change afterwards.
     */
    public static StreamEntry of(String stream, String id, Map<String, String> fields) {
        return new StreamEntry(stream, id, null, unmodifiable(fields), UNKNOWN);
    }

    /** As {@link #of(String, String, Map)}, with the delivery count Redis reported (XPENDING, XREADGROUP CLAIM). */
    public static StreamEntry of(String stream, String id, Map<String, String> fields, long deliveryCount) {
        return new StreamEntry(stream, id, null, unmodifiable(fields), checked(deliveryCount));
    }

    /**
     * An entry with byte values whose delivery count is not known. The map and its arrays are kept, not
     * copied: they must not change afterwards.
     */
    public static StreamEntry ofBytes(String stream, String id, Map<String, byte[]> fields) {
        return new StreamEntry(stream, id, Objects.requireNonNull(fields, "fields"), null, UNKNOWN);
    }

    /** As {@link #ofBytes(String, String, Map)}, with the delivery count Redis reported. */
    public static StreamEntry ofBytes(String stream, String id, Map<String, byte[]> fields, long deliveryCount) {
        // kept as given, without a wrapper: the byte map never leaves this class except behind a ByteView
        return new StreamEntry(stream, id, Objects.requireNonNull(fields, "fields"), null, checked(deliveryCount));
    }

    private static <V> Map<String, V> unmodifiable(Map<String, V> fields) {
        return Collections.unmodifiableMap(Objects.requireNonNull(fields, "fields")); // no second wrapper
    }

    private static long checked(long deliveryCount) {
        if (deliveryCount < 1) {
            throw new IllegalArgumentException("deliveryCount must be >= 1, was " + deliveryCount);
        }
        return deliveryCount;
    }

    /** The stream key this entry was read from. */
    public String stream() {
        return stream;
    }

    /** The entry ID, e.g. {@code 1700000000000-0}. */
    public String id() {
        return id;
    }

    /**
     * One field's value exactly as Redis holds it, or {@code null} when the entry has no such field. A
     * new array on every call: changing it changes nothing else.
     */
    public byte[] bytes(String name) {
        Map<String, byte[]> values = raw;
        if (values == null) {
            String value = text.get(name);
            return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        }
        byte[] value = values.get(name);
        return value == null ? null : value.clone();
    }

    /**
     * The fields with their values exactly as Redis holds them, in the order they were written.
     * Unmodifiable; each value read from it is a new array. Empty only for an entry trimmed under its PEL.
     */
    public Map<String, byte[]> byteFields() {
        return new ByteView(raw());
    }

    /**
     * The fields with their values decoded as UTF-8 text, in the order they were written; decoded on the
     * first call and kept. Unmodifiable; empty only for an entry trimmed under its PEL. Bytes that are not
     * valid UTF-8 read as U+FFFD: see {@link #byteFields()} for binary values.
     */
    public Map<String, String> fields() {
        Map<String, String> decoded = text;
        if (decoded == null) {
            decoded = decode(raw);
            text = decoded;
        }
        return decoded;
    }

    /**
     * One field's value decoded as UTF-8 text, or {@code null} when the entry has no such field. Decodes
     * that value only (or takes it from {@link #fields()} once that decoded them all). Bytes that are not
     * valid UTF-8 read as U+FFFD: see {@link #bytes(String)} for binary values.
     */
    public String field(String name) {
        Map<String, String> decoded = text;
        if (decoded != null) {
            return decoded.get(name);
        }
        byte[] value = raw.get(name);
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /**
     * The text view of {@code values}, in their order. A one-field entry (the common shape: one payload)
     * gets a singleton map: one object instead of a map, its table, its node and a wrapper.
     */
    private static Map<String, String> decode(Map<String, byte[]> values) {
        if (values.size() == 1) {
            Map.Entry<String, byte[]> only = values.entrySet().iterator().next();
            return Collections.singletonMap(only.getKey(), new String(only.getValue(), StandardCharsets.UTF_8));
        }
        Map<String, String> all = new LinkedHashMap<>(capacity(values.size()));
        values.forEach((name, value) -> all.put(name, new String(value, StandardCharsets.UTF_8)));
        return Collections.unmodifiableMap(all);
    }

    private Map<String, byte[]> raw() {
        Map<String, byte[]> values = raw;
        if (values == null) {
            Map<String, String> decoded = text;
            Map<String, byte[]> all = new LinkedHashMap<>(capacity(decoded.size()));
            decoded.forEach((name, value) -> all.put(name, value.getBytes(StandardCharsets.UTF_8)));
            values = Collections.unmodifiableMap(all);
            raw = values;
        }
        return values;
    }

    private static int capacity(int size) {
        return (int) (size / 0.75f) + 1;
    }

    /**
     * How many times this entry has been handed to a handler of the group, this time included: 1 for an
     * entry read as new, more for one read again after a crash or claimed (re-reads after a reconnect do
     * not count); empty when Redis could not say (the entry was no longer pending here).
     */
    public OptionalLong deliveryCount() {
        return deliveryCount == UNKNOWN ? OptionalLong.empty() : OptionalLong.of(deliveryCount);
    }

    /** The same entry with the delivery count Redis reported for it. */
    public StreamEntry withDeliveryCount(long count) {
        return new StreamEntry(stream, id, raw, text, checked(count));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamEntry other && stream.equals(other.stream) && id.equals(other.id);
    }

    @Override
    public int hashCode() {
        return 31 * stream.hashCode() + id.hashCode();
    }

    @Override
    public String toString() {
        return stream + "/" + id;
    }

    /** The byte values as an unmodifiable map that hands out copies, so no caller can change the entry. */
    private static final class ByteView extends AbstractMap<String, byte[]> {

        private final Map<String, byte[]> values;

        ByteView(Map<String, byte[]> values) {
            this.values = values;
        }

        @Override
        public int size() {
            return values.size();
        }

        @Override
        public boolean containsKey(Object key) {
            return values.containsKey(key);
        }

        @Override
        public byte[] get(Object key) {
            byte[] value = values.get(key);
            return value == null ? null : value.clone();
        }

        @Override
        public Set<Entry<String, byte[]>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public int size() {
                    return values.size();
                }

                @Override
                public Iterator<Entry<String, byte[]>> iterator() {
                    Iterator<Entry<String, byte[]>> all = values.entrySet().iterator();
                    return new Iterator<>() { // remove() is unsupported by default
                        @Override
                        public boolean hasNext() {
                            return all.hasNext();
                        }

                        @Override
                        public Entry<String, byte[]> next() {
                            Entry<String, byte[]> e = all.next();
                            return new SimpleImmutableEntry<>(e.getKey(), e.getValue().clone());
                        }
                    };
                }
            };
        }
    }
}
