package io.rill.internal.publish;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import io.rill.Output;

/**
 * One entry on its way through the producer: the {@link Output} to append and the idempotency key that
 * identifies it. What the outbox journals and the dedup script sends.
 */
public record KeyedEntry(String idempotencyKey, Output entry) {

    public KeyedEntry {
        if (idempotencyKey == null || idempotencyKey.isEmpty()) {
            throw new IllegalArgumentException("the idempotency key of a publish must be set (not null or empty): the "
                    + "same key for every retry of one entry, such as a request or order ID");
        }
        Objects.requireNonNull(entry, "entry");
    }

    /** The stream the entry is appended to. */
    public String stream() {
        return entry.stream();
    }

    /** This entry with further fields after its own (trace context); a field it has already is kept. */
    public KeyedEntry withFieldsAbsent(Map<String, byte[]> more) {
        Map<String, byte[]> all = new LinkedHashMap<>(entry.fields());
        more.forEach(all::putIfAbsent);
        if (all.size() == entry.fields().size()) {
            return this;
        }
        Output.Builder builder = Output.to(entry.stream());
        all.forEach(builder::field);
        return new KeyedEntry(idempotencyKey, trimmed(builder, entry.trim(), entry.threshold().orElse(null),
                entry.exactTrimming()).build());
    }

    /** The builder set to trim as {@code trim} with {@code threshold} says, exactly or approximately. */
    static Output.Builder trimmed(Output.Builder builder, Output.Trim trim, String threshold, boolean exact) {
        switch (trim) {
            case NONE -> {
                return builder;
            }
            case MAXLEN -> builder.maxLen(Long.parseLong(threshold));
            case MINID -> builder.minId(threshold);
        }
        return exact ? builder.exactTrimming() : builder.approximateTrimming();
    }
}
