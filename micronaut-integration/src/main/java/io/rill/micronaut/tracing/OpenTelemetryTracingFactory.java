package io.rill.micronaut.tracing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.util.StringUtils;
import io.opentelemetry.api.OpenTelemetry;
import io.rill.tracing.OpenTelemetryTracing;
import io.rill.tracing.Tracing;
import jakarta.inject.Singleton;

/**
 * The {@link Tracing} bean over the application's OpenTelemetry bean (micronaut-tracing-opentelemetry makes
 * one): listeners, {@code StreamPublisher}, {@code @RedisStreamClient} and {@code @SendTo} use it without
 * further code. None without OpenTelemetry on the class path, without the bean, or with
 * {@code rill.tracing.enabled=false}.
 */
@Factory
@Requires(classes = OpenTelemetry.class)
public class OpenTelemetryTracingFactory {

    private static final Logger log = LoggerFactory.getLogger(OpenTelemetryTracingFactory.class);

    @Singleton
    @Requires(beans = OpenTelemetry.class)
    @Requires(property = TracingConfiguration.ENABLED, notEquals = StringUtils.FALSE)
    Tracing rillTracing(OpenTelemetry openTelemetry, TracingConfiguration configuration) {
        OpenTelemetryTracing tracing = OpenTelemetryTracing.builder(openTelemetry)
                .traceparentField(configuration.getTraceparentField())
                .tracestateField(configuration.getTracestateField())
                .build();
        log.info("Trace context through Redis on (OpenTelemetry; fields '{}', '{}')", tracing.traceparentField(),
                tracing.tracestateField());
        return tracing;
    }
}
