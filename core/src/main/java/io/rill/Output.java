package io.rill;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One entry a handler wants written to a stream, committed by Rill together with the acknowledgement of
 * the input it came from (semantics 12): both happen, or neither. Immutable; build one with
 * {@link #to(String)}:
 *
 * <pre>{@code
 * Output.to("invoices").field("orderId", entry.field("orderId")).field("amount", "12.50").maxLen(100_000).build()
 * }</pre>
 *
 * Field values are bytes, written exactly as given; a {@code String} is written as its UTF-8 bytes. Field
 * names are UTF-8 text. An output may trim its stream like XADD does: {@link Builder#maxLen(long)} or
 * {@link Builder#minId(String)}, approximate ({@code ~}, the default, cheap) or {@link Builder#exactTrimming()
 * exact} ({@code =}). The entry ID is always chosen by Redis ({@code *}).
 */
public final class Output {

    /** How an output trims its stream. */
    public enum Trim {
        /** No trimming. */
        NONE,
        /** {@code MAXLEN}: keep at most {@link #threshold()} entries. */
        MAXLEN,
        /** {@code MINID}: drop entries with an ID below {@link #threshold()}. */
        MINID
    }

    private final String stream;
    private final Map<String, byte[]> fields;
    private final Trim trim;
    private final String threshold;
    private final boolean exact;

    private Output(Builder builder) {
        this.stream = builder.stream;
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(builder.fields));
        this.trim = builder.trim;
        this.threshold = builder.threshold;
        this.exact = builder.exact;
    }

    /** A builder of an output to {@code stream}. */
    public static Builder to(String stream) {
        return new Builder(Options.name("output stream", stream));
    }

    /** An output of these text fields to {@code stream}, without trimming. */
    public static Output of(String stream, Map<String, String> fields) {
        Objects.requireNonNull(fields, "fields");
        Builder builder = to(stream);
        fields.forEach(builder::field);
        return builder.build();
    }

    /** An output of these fields, values as bytes, to {@code stream}, without trimming. */
    public static Output ofBytes(String stream, Map<String, byte[]> fields) {
        Objects.requireNonNull(fields, "fields");
        Builder builder = to(stream);
        fields.forEach(builder::field);
        return builder.build();
    }

    /** The stream it is written to. */
    public String stream() {
        return stream;
    }

    /** The fields in the order they are written; values are the bytes written (read-only view, do not change them). */
    public Map<String, byte[]> fields() {
        return fields;
    }

    /** The trimming strategy; {@link Trim#NONE} when the output does not trim. */
    public Trim trim() {
        return trim;
    }

    /** MAXLEN's count or MINID's ID; empty without trimming. */
    public Optional<String> threshold() {
        return Optional.ofNullable(threshold);
    }

    /** MAXLEN's count, when the output trims by length. */
    public OptionalLong maxLen() {
        return trim == Trim.MAXLEN ? OptionalLong.of(Long.parseLong(threshold)) : OptionalLong.empty();
    }

    /** True for exact trimming ({@code =}), false for approximate ({@code ~}). */
    public boolean exactTrimming() {
        return exact;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Output other) || !stream.equals(other.stream) || trim != other.trim || exact != other.exact
                || !Objects.equals(threshold, other.threshold) || fields.size() != other.fields.size()) {
            return false;
        }
        var mine = fields.entrySet().iterator();
        var theirs = other.fields.entrySet().iterator();
        while (mine.hasNext()) {
            var a = mine.next();
            var b = theirs.next();
            if (!a.getKey().equals(b.getKey()) || !Arrays.equals(a.getValue(), b.getValue())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(stream, trim, threshold, exact);
        for (Map.Entry<String, byte[]> field : fields.entrySet()) {
            h = 31 * h + field.getKey().hashCode() * 17 + Arrays.hashCode(field.getValue());
        }
        return h;
    }

    @Override
    public String toString() {
        return "Output[" + stream + ", " + fields.size() + " fields" + (trim == Trim.NONE ? "" : ", " + trim + (exact ? " = " : " ~ ")
                + threshold) + "]";
    }

    /** Builds an {@link Output}; not thread-safe. */
    public static final class Builder {
        private final String stream;
        private final Map<String, byte[]> fields = new LinkedHashMap<>();
        private Trim trim = Trim.NONE;
        private String threshold;
        private boolean exact;

        private Builder(String stream) {
            this.stream = stream;
        }

        /** Adds a field with a text value, written as UTF-8; a field of that name given before is replaced. */
        public Builder field(String name, String value) {
            Objects.requireNonNull(value, () -> "value of output field '" + name + "'");
            return field(name, value.getBytes(StandardCharsets.UTF_8));
        }

        /** Adds a field whose value is written as these bytes (copied); a field of that name given before is replaced. */
        public Builder field(String name, byte[] value) {
            Objects.requireNonNull(name, "output field name");
            Objects.requireNonNull(value, () -> "value of output field '" + name + "'");
            fields.put(name, value.clone());
            return this;
        }

        /** Trims the stream to about (or, with {@link #exactTrimming()}, exactly) {@code count} entries: XADD MAXLEN. */
        public Builder maxLen(long count) {
            if (count < 0) {
                throw new IllegalArgumentException("output maxLen must be >= 0, was " + count);
            }
            trim = Trim.MAXLEN;
            threshold = Long.toString(count);
            return this;
        }

        /** Drops entries with IDs below {@code id} ({@code ms} or {@code ms-seq}): XADD MINID. */
        public Builder minId(String id) {
            Objects.requireNonNull(id, "minId");
            if (!id.matches("\\d+(-\\d+)?")) {
                throw new IllegalArgumentException("output minId must be a stream ID (ms or ms-seq), was '" + id + "'");
            }
            trim = Trim.MINID;
            threshold = id;
            return this;
        }

        /** Trims exactly ({@code =}) instead of approximately ({@code ~}, the default, which trims whole nodes). */
        public Builder exactTrimming() {
            exact = true;
            return this;
        }

        /** Approximate trimming ({@code ~}), the default. */
        public Builder approximateTrimming() {
            exact = false;
            return this;
        }

        /** @throws IllegalArgumentException when no field was given: Redis has no empty entries */
        public Output build() {
            if (fields.isEmpty()) {
                throw new IllegalArgumentException("an output to stream '" + stream + "' needs at least one field");
            }
            return new Output(this);
        }
    }
}
