package io.rill;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One entry of a Redis stream as a handler sees it: the stream key, the entry ID, its fields in the
 * order they were written, and its delivery count.
 *
 * <p>Instances are immutable and cheap; the runtime creates one per entry it reads.
 */
public final class StreamEntry {

    private static final long UNKNOWN = -1;

    private final String stream;
    private final String id;
    private final Map<String, String> fields;
    private final long deliveryCount;

    private StreamEntry(String stream, String id, Map<String, String> fields, long deliveryCount) {
        this.stream = Objects.requireNonNull(stream, "stream");
        this.id = Objects.requireNonNull(id, "id");
        this.fields = Objects.requireNonNull(fields, "fields");
        this.deliveryCount = deliveryCount;
    }

    /** An entry whose delivery count is not known. */
    public static StreamEntry of(String stream, String id, Map<String, String> fields) {
        return new StreamEntry(stream, id, fields, UNKNOWN);
    }

    /** An entry with the delivery count Redis reported (XPENDING, XREADGROUP CLAIM). */
    public static StreamEntry of(String stream, String id, Map<String, String> fields, long deliveryCount) {
        if (deliveryCount < 1) {
            throw new IllegalArgumentException("deliveryCount must be >= 1, was " + deliveryCount);
        }
        return new StreamEntry(stream, id, fields, deliveryCount);
    }

    /** The stream key this entry was read from. */
    public String stream() {
        return stream;
    }

    /** The entry ID, e.g. {@code 1700000000000-0}. */
    public String id() {
        return id;
    }

    /** The fields in the order they were written. Unmodifiable; empty only for an entry trimmed under its PEL. */
    public Map<String, String> fields() {
        return fields;
    }

    /** One field's value, or {@code null} when the entry has no such field. */
    public String field(String name) {
        return fields.get(name);
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
        return of(stream, id, fields, count);
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
}
