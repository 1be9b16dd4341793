package io.rill.micronaut.tracing;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.rill.tracing.Tracing;

/**
 * {@code rill.tracing.*}: trace context through Redis, on when the application has an OpenTelemetry bean
 * (micronaut-tracing-opentelemetry) unless switched off.
 */
@ConfigurationProperties(TracingConfiguration.PREFIX)
public class TracingConfiguration {

    public static final String PREFIX = "rill.tracing";
    public static final String ENABLED = PREFIX + ".enabled";

    private boolean enabled = true;
    private String traceparentField = Tracing.TRACEPARENT;
    private String tracestateField = Tracing.TRACESTATE;

    /**
     * Whether producers write the W3C trace context into entry fields and handler calls run in consumer
     * spans, when an OpenTelemetry bean exists. Default true.
     */
    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** The entry field that carries the W3C traceparent. Default {@code traceparent}. */
    public String getTraceparentField() {
        return traceparentField;
    }

    public void setTraceparentField(String traceparentField) {
        this.traceparentField = traceparentField;
    }

    /** The entry field that carries the W3C tracestate. Default {@code tracestate}. */
    public String getTracestateField() {
        return tracestateField;
    }

    public void setTracestateField(String tracestateField) {
        this.tracestateField = tracestateField;
    }
}
