package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.tracing.Tracing;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/** rill.tracing.enabled=false (design: observability): an OpenTelemetry bean, and still no fields, no spans. */
@MicronautTest
class TracingOffTest extends RedisTest {

    static final String SPEC = "TracingOffTest";

    @Factory
    @Requires(property = "spec.name", value = SPEC)
    static class Telemetry {
        @Singleton
        InMemorySpanExporter exporter() {
            return InMemorySpanExporter.create();
        }

        @Singleton
        @Bean(preDestroy = "close")
        OpenTelemetrySdk openTelemetry(InMemorySpanExporter exporter) {
            return OpenTelemetrySdk.builder()
                    .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
                    .build();
        }
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "off")
    static class Reader {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Stream("off:orders")
        void on(Map<String, String> order) {
            seen.add(order.get("n"));
        }
    }

    @Inject
    StreamPublisher publisher;
    @Inject
    OpenTelemetry openTelemetry;
    @Inject
    InMemorySpanExporter exporter;
    @Inject
    Reader reader;

    @Override
    String spec() {
        return SPEC;
    }

    @Override
    Map<String, String> properties() {
        return Map.of("rill.tracing.enabled", "false");
    }

    @Test
    void nothingIsWrittenOrOpened() {
        assertTrue(context.findBean(Tracing.class).isEmpty(), "no Tracing bean");
        Span span = openTelemetry.getTracer("test").spanBuilder("send").startSpan();
        try (Scope ignored = span.makeCurrent()) {
            publisher.publish("off:orders", Map.of("n", "1"));
        } finally {
            span.end();
        }
        assertEquals(Map.of("n", "1"), redis.entries("off:orders").get(0).getBody());
        await().atMost(Duration.ofSeconds(20)).until(() -> reader.seen.contains("1"));
        assertTrue(exporter.getFinishedSpanItems().stream().allMatch(s -> s.getName().equals("send")),
                "only the test's own span: " + exporter.getFinishedSpanItems());
    }
}
