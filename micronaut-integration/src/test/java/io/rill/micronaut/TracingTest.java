package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.lettuce.core.StreamMessage;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.SendTo;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.rill.micronaut.annotation.RedisStreamClient;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.tracing.OpenTelemetryTracing;
import io.rill.tracing.Tracing;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Trace context through Redis with an application's OpenTelemetry bean and no further code (design:
 * observability): a @RedisStreamClient call, a StreamPublisher write and a @SendTo output each carry the
 * current trace, and the listener's consumer span continues it; the field names come from rill.tracing.*.
 */
@MicronautTest
class TracingTest extends RedisTest {

    static final String SPEC = "TracingTest";

    /** What micronaut-tracing-opentelemetry would provide: an OpenTelemetry bean, here exporting to memory. */
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
    @RedisStreamClient
    interface Orders {
        @Stream("trace:orders")
        String send(Map<String, String> order);
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "billing")
    static class Billing {
        @Stream("trace:orders")
        @SendTo("trace:invoices")
        Map<String, String> onOrder(Map<String, String> order) {
            return Map.of("invoice", order.get("n"));
        }
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "mail")
    static class Mail {
        @Stream("trace:invoices")
        void onInvoice(Map<String, String> invoice) {
        }

        @Stream("trace:raw")
        void onRaw(Map<String, String> raw) {
        }
    }

    @Inject
    Orders orders;
    @Inject
    StreamPublisher publisher;
    @Inject
    OpenTelemetry openTelemetry;
    @Inject
    InMemorySpanExporter exporter;

    @Override
    String spec() {
        return SPEC;
    }

    @Override
    Map<String, String> properties() {
        return Map.of("rill.tracing.tracestate-field", "trace.state");
    }

    private Span producerSpan() {
        return openTelemetry.getTracer("test").spanBuilder("send").setSpanKind(SpanKind.PRODUCER).startSpan();
    }

    private SpanData consumerSpan(String stream, String id) {
        return exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.CONSUMER && s.getName().equals("process " + stream)
                        && id.equals(s.getAttributes().get(AttributeKey.stringKey("messaging.message.id"))))
                .findFirst().orElse(null);
    }

    @Test
    void aClientCallAndItsSendToOutputStayInTheCallersTrace() {
        Span span = producerSpan();
        String id;
        try (Scope ignored = span.makeCurrent()) {
            id = orders.send(Map.of("n", "1"));
        } finally {
            span.end();
        }
        SpanContext producer = span.getSpanContext();
        StreamMessage<String, String> written = redis.entries("trace:orders").stream().filter(e -> e.getId().equals(id))
                .findFirst().orElseThrow();
        assertEquals("00-" + producer.getTraceId() + "-" + producer.getSpanId() + "-01", written.getBody().get("traceparent"));

        await().atMost(Duration.ofSeconds(20)).until(() -> consumerSpan("trace:orders", id) != null);
        SpanData billing = consumerSpan("trace:orders", id);
        assertEquals(producer.getTraceId(), billing.getTraceId());
        assertEquals(producer.getSpanId(), billing.getParentSpanId());
        assertEquals("billing", billing.getAttributes().get(AttributeKey.stringKey("messaging.consumer.group.name")));

        // the @SendTo output is written inside billing's span: the next group continues from it
        await().atMost(Duration.ofSeconds(20)).until(() -> redis.entries("trace:invoices").stream()
                .anyMatch(e -> "1".equals(e.getBody().get("invoice"))));
        StreamMessage<String, String> invoice = redis.entries("trace:invoices").stream()
                .filter(e -> "1".equals(e.getBody().get("invoice"))).findFirst().orElseThrow();
        await().atMost(Duration.ofSeconds(20)).until(() -> consumerSpan("trace:invoices", invoice.getId()) != null);
        SpanData mail = consumerSpan("trace:invoices", invoice.getId());
        assertEquals(producer.getTraceId(), mail.getTraceId(), "one trace through @SendTo");
        assertEquals(billing.getSpanId(), mail.getParentSpanId());
    }

    @Test
    void theStreamPublisherWritesTheCurrentTraceAndKeepsAnExplicitField() {
        Span span = producerSpan();
        String traced;
        String explicit;
        try (Scope ignored = span.makeCurrent()) {
            traced = publisher.publish("trace:raw", Map.of("n", "2"));
            explicit = publisher.publish("trace:raw", Map.of("n", "3", "traceparent",
                    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        } finally {
            span.end();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> consumerSpan("trace:raw", traced) != null
                && consumerSpan("trace:raw", explicit) != null);
        assertEquals(span.getSpanContext().getTraceId(), consumerSpan("trace:raw", traced).getTraceId());
        assertEquals("0af7651916cd43dd8448eb211c80319c", consumerSpan("trace:raw", explicit).getTraceId());
        assertTrue(redis.entries("trace:raw").stream().noneMatch(e -> e.getBody().containsKey("trace.state")),
                "no tracestate written when the context has none");
        OpenTelemetryTracing tracing = (OpenTelemetryTracing) context.getBean(Tracing.class);
        assertEquals("trace.state", tracing.tracestateField(), "rill.tracing.tracestate-field");
        assertEquals("traceparent", tracing.traceparentField());
    }
}
