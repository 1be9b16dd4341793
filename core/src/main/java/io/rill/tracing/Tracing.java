package io.rill.tracing;

import java.util.List;
import java.util.Map;

import io.rill.StreamEntry;

/**
 * Trace context through Redis: what producers add to the entries they write, and what surrounds every
 * handler call (design: observability). {@link OpenTelemetryTracing} is the implementation Rill ships;
 * this type names no tracing library, so that {@code Rill.builder(client).tracing(...)} and the producers
 * load without one on the class path.
 *
 * <p>{@link #off()} adds no fields and opens no spans; Rill treats it as no tracing at all (the hot path
 * costs one null check).
 */
public abstract class Tracing {

    /** The default name of the field that carries the W3C {@code traceparent}. */
    public static final String TRACEPARENT = "traceparent";
    /** The default name of the field that carries the W3C {@code tracestate}. */
    public static final String TRACESTATE = "tracestate";

    private static final Tracing OFF = new Tracing() {
        @Override
        public Map<String, String> currentFields() {
            return Map.of();
        }

        @Override
        public Call consume(StreamEntry entry, String group, String consumer) {
            return Call.NONE;
        }

        @Override
        public Call consume(List<StreamEntry> batch, String group, String consumer) {
            return Call.NONE;
        }

        @Override
        public String toString() {
            return "Tracing.off()";
        }
    };

    protected Tracing() {
    }

    /** No tracing: entries are written and handled as without it. */
    public static Tracing off() {
        return OFF;
    }

    /** False for {@link #off()}. */
    public boolean enabled() {
        return this != OFF;
    }

    /**
     * The trace fields of the current context, to add to an entry being written ({@code traceparent}, and
     * {@code tracestate} when the context has one, under the configured names); empty when no valid span
     * is current. A producer adds each one the entry does not already have: a field set explicitly wins.
     */
    public abstract Map<String, String> currentFields();

    /**
     * Adds {@link #currentFields()} to {@code fields}, leaving any field already there as it is (a field
     * the caller set explicitly wins). {@code fields} must be mutable.
     */
    public final void inject(Map<String, String> fields) {
        for (Map.Entry<String, String> field : currentFields().entrySet()) {
            fields.putIfAbsent(field.getKey(), field.getValue());
        }
    }

    /** As {@link #inject(Map)}, for fields written as bytes (UTF-8). */
    public final void injectBytes(Map<String, byte[]> fields) {
        for (Map.Entry<String, String> field : currentFields().entrySet()) {
            if (!fields.containsKey(field.getKey())) {
                fields.put(field.getKey(), field.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }

    /**
     * Opens what surrounds a handler call on one entry (a consumer span continuing the entry's trace,
     * current on this thread until {@link Call#end}). Called and ended on the worker thread.
     */
    public abstract Call consume(StreamEntry entry, String group, String consumer);

    /** As {@link #consume(StreamEntry, String, String)}, for a batch handler's call: one span for the batch. */
    public abstract Call consume(List<StreamEntry> batch, String group, String consumer);

    /** One handler call's span, ended when the call returns. */
    public interface Call {
        /** Nothing to end. */
        Call NONE = error -> {
        };

        /** The call returned ({@code error} null) or threw {@code error}. */
        void end(Throwable error);
    }
}
