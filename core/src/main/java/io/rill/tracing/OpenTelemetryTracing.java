package io.rill.tracing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.rill.StreamEntry;

/**
 * {@link Tracing} on the OpenTelemetry API (an optional dependency of rill-core: only this class needs
 * it). Producers write the W3C trace context of the current span into entry fields; every handler call
 * runs in a span of kind CONSUMER, named {@code process <stream>}, that continues the producer's trace
 * (a batch handler's call: one span, linked to each entry's producer context), current for the length
 * of the call, with the messaging attributes of the OpenTelemetry semantic conventions.
 *
 * <pre>{@code
 * Rill rill = Rill.builder(client).tracing(OpenTelemetryTracing.create(openTelemetry)).build();
 * }</pre>
 */
public final class OpenTelemetryTracing extends Tracing {

    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    static final AttributeKey<String> CLIENT_ID = AttributeKey.stringKey("messaging.client.id");
    static final AttributeKey<Long> BATCH_COUNT = AttributeKey.longKey("messaging.batch.message_count");
    /** The semantic conventions have no delivery count for every system: Rill's own, named as its MDC key. */
    static final AttributeKey<Long> DELIVERY_COUNT = AttributeKey.longKey("rill.delivery.count");

    /** The name of Rill's instrumentation scope. */
    public static final String SCOPE = "io.rill";

    private final Tracer tracer;
    private final String traceparentField;
    private final String tracestateField;
    private final TextMapSetter<Map<String, String>> setter;
    private final TextMapGetter<StreamEntry> getter;

    private OpenTelemetryTracing(Builder builder) {
        this.tracer = builder.openTelemetry.getTracer(SCOPE);
        this.traceparentField = builder.traceparentField;
        this.tracestateField = builder.tracestateField;
        // W3C always: the propagator's keys are mapped to the configured field names
        this.setter = (carrier, key, value) -> carrier.put(fieldFor(key), value);
        this.getter = new TextMapGetter<>() {
            @Override
            public Iterable<String> keys(StreamEntry entry) {
                return List.of(W3CTraceContextPropagator.getInstance().fields().toArray(String[]::new));
            }

            @Override
            public String get(StreamEntry entry, String key) {
                return entry == null ? null : entry.field(fieldFor(key));
            }
        };
    }

    /** Tracing with the default field names, {@code traceparent} and {@code tracestate}. */
    public static OpenTelemetryTracing create(OpenTelemetry openTelemetry) {
        return builder(openTelemetry).build();
    }

    public static Builder builder(OpenTelemetry openTelemetry) {
        return new Builder(Objects.requireNonNull(openTelemetry, "openTelemetry"));
    }

    private String fieldFor(String key) {
        return switch (key) {
            case TRACEPARENT -> traceparentField;
            case TRACESTATE -> tracestateField;
            default -> key;
        };
    }

    /** The field that carries the {@code traceparent}. */
    public String traceparentField() {
        return traceparentField;
    }

    /** The field that carries the {@code tracestate}. */
    public String tracestateField() {
        return tracestateField;
    }

    @Override
    public Map<String, String> currentFields() {
        Context context = Context.current();
        if (!Span.fromContext(context).getSpanContext().isValid()) {
            return Map.of();
        }
        Map<String, String> fields = new HashMap<>(4);
        W3CTraceContextPropagator.getInstance().inject(context, fields, setter);
        return fields;
    }

    /** The producer's context of an entry; the root context for an entry without (or with a broken) field. */
    private Context producer(StreamEntry entry) {
        if (entry.field(traceparentField) == null) {
            return Context.root();
        }
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), entry, getter);
    }

    @Override
    public Call consume(StreamEntry entry, String group, String consumer) {
        SpanBuilder span = tracer.spanBuilder("process " + entry.stream()).setSpanKind(SpanKind.CONSUMER)
                .setParent(producer(entry));
        span.setAllAttributes(attributes(entry, group, consumer).build());
        if (entry.deliveryCount().isPresent()) {
            span.setAttribute(DELIVERY_COUNT, entry.deliveryCount().getAsLong());
        }
        return start(span);
    }

    @Override
    public Call consume(List<StreamEntry> batch, String group, String consumer) {
        StreamEntry first = batch.get(0);
        // a batch mixes traces: a new trace, linked to each entry's producer span
        SpanBuilder span = tracer.spanBuilder("process " + first.stream()).setSpanKind(SpanKind.CONSUMER)
                .setParent(Context.root());
        for (StreamEntry entry : batch) {
            SpanContext producer = Span.fromContext(producer(entry)).getSpanContext();
            if (producer.isValid()) {
                span.addLink(producer, Attributes.of(MESSAGE_ID, entry.id()));
            }
        }
        AttributesBuilder attributes = attributes(first, group, consumer);
        attributes.put(BATCH_COUNT, (long) batch.size());
        span.setAllAttributes(attributes.build());
        if (first.deliveryCount().isPresent()) {
            span.setAttribute(DELIVERY_COUNT, first.deliveryCount().getAsLong());
        }
        return start(span);
    }

    private static AttributesBuilder attributes(StreamEntry entry, String group, String consumer) {
        return Attributes.builder()
                .put(SYSTEM, "redis")
                .put(DESTINATION, entry.stream())
                .put(GROUP, group)
                .put(CLIENT_ID, consumer)
                .put(MESSAGE_ID, entry.id())
                .put(OPERATION_TYPE, "process")
                .put(OPERATION_NAME, "process");
    }

    private static Call start(SpanBuilder builder) {
        Span span = builder.startSpan();
        Scope scope = span.makeCurrent();
        return error -> {
            scope.close();
            if (error != null) {
                span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
                span.recordException(error);
            }
            span.end();
        };
    }

    @Override
    public String toString() {
        return "OpenTelemetryTracing[" + traceparentField + ", " + tracestateField + "]";
    }

    /** Builds an {@link OpenTelemetryTracing}. */
    public static final class Builder {
        private final OpenTelemetry openTelemetry;
        private String traceparentField = TRACEPARENT;
        private String tracestateField = TRACESTATE;

        private Builder(OpenTelemetry openTelemetry) {
            this.openTelemetry = openTelemetry;
        }

        /** The field that carries the W3C {@code traceparent}; {@value Tracing#TRACEPARENT} by default. */
        public Builder traceparentField(String name) {
            this.traceparentField = field("traceparent field", name);
            return this;
        }

        /** The field that carries the W3C {@code tracestate}; {@value Tracing#TRACESTATE} by default. */
        public Builder tracestateField(String name) {
            this.tracestateField = field("tracestate field", name);
            return this;
        }

        private static String field(String option, String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException(option + " must be a non-blank field name, was '" + name + "'");
            }
            return name;
        }

        public OpenTelemetryTracing build() {
            if (traceparentField.equals(tracestateField)) {
                throw new IllegalArgumentException("traceparent and tracestate fields must differ: both '" + traceparentField + "'");
            }
            return new OpenTelemetryTracing(this);
        }
    }
}
