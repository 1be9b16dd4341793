package io.rill.spring;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code rill.*}: switches the starter on and off and sets what is not per consumer group. The options of
 * the consumer groups are {@code rill.consumers.default.*} and {@code rill.consumers.<group>.*}, one property
 * per option of the core's option table (read by the starter from the environment, validated by the core).
 */
@ConfigurationProperties(prefix = "rill")
public class RillProperties {

    /** Whether @RedisStreamListener methods are subscribed. */
    private boolean enabled = true;

    /** The field that carries a JSON body, read by listeners and written by @SendTo. */
    private String bodyField = "payload";

    /**
     * Whether startup fails, naming the server, when Redis does not answer a PING; off, the application starts
     * anyway and its subscriptions stay RECOVERING until Redis answers.
     */
    private boolean failFast;

    private final Health health = new Health();

    private final Tracing tracing = new Tracing();

    private final Observation observation = new Observation();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getBodyField() {
        return bodyField;
    }

    public void setBodyField(String bodyField) {
        this.bodyField = bodyField;
    }

    public boolean isFailFast() {
        return failFast;
    }

    public void setFailFast(boolean failFast) {
        this.failFast = failFast;
    }

    public Health getHealth() {
        return health;
    }

    public Tracing getTracing() {
        return tracing;
    }

    public Observation getObservation() {
        return observation;
    }

    /** {@code rill.observation.*}: a Micrometer Observation around every listener call. */
    public static class Observation {

        /**
         * Whether every listener call runs in a Micrometer Observation named rill.listener (through the
         * application's ObservationRegistry), for its ObservationHandlers: timers, logs, spans of a tracing bridge.
         */
        private boolean enabled;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** {@code rill.tracing.*}: trace context through Redis, on when the application has an OpenTelemetry bean. */
    public static class Tracing {

        /**
         * Whether @SendTo writes the W3C trace context into entry fields and listener calls run in consumer spans,
         * when an OpenTelemetry bean exists.
         */
        private boolean enabled = true;

        /** The entry field that carries the W3C traceparent. */
        private String traceparentField = io.rill.tracing.Tracing.TRACEPARENT;

        /** The entry field that carries the W3C tracestate. */
        private String tracestateField = io.rill.tracing.Tracing.TRACESTATE;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getTraceparentField() {
            return traceparentField;
        }

        public void setTraceparentField(String traceparentField) {
            this.traceparentField = traceparentField;
        }

        public String getTracestateField() {
            return tracestateField;
        }

        public void setTracestateField(String tracestateField) {
            this.tracestateField = tracestateField;
        }
    }

    /** {@code rill.health.*}: the {@code rill} health contributor. */
    public static class Health {

        /**
         * How long a subscription may stay RECOVERING (Redis unreachable or failing, retrying by itself) before
         * the rill health contributor reports DOWN.
         */
        private Duration recoveringThreshold = Duration.ofSeconds(30);

        public Duration getRecoveringThreshold() {
            return recoveringThreshold;
        }

        public void setRecoveringThreshold(Duration recoveringThreshold) {
            this.recoveringThreshold = recoveringThreshold;
        }
    }
}
