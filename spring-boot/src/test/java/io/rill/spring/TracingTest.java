package io.rill.spring;

import static io.rill.spring.Contexts.runner;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.lettuce.core.StreamMessage;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.rill.StreamEntry;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.tracing.Tracing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Trace context through Redis with an application's OpenTelemetry bean and no further code (design:
 * observability): the listener's consumer span continues the producer's trace and its @SendTo output carries
 * it on; rill.tracing.enabled=false writes and opens nothing.
 */
class TracingTest {

    static final RedisServer server = RedisServer.start();
    static final RedisFixture redis = new RedisFixture(server);

    @Configuration(proxyBeanMethods = false)
    static class Telemetry {
        @Bean
        InMemorySpanExporter exporter() {
            return InMemorySpanExporter.create();
        }

        @Bean
        OpenTelemetrySdk openTelemetry(InMemorySpanExporter exporter) {
            return OpenTelemetrySdk.builder()
                    .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
                    .build();
        }
    }

    static class Listeners {
        @RedisStreamListener(streams = "tr:orders", group = "billing")
        @SendTo("tr:invoices")
        Map<String, String> onOrder(StreamEntry order) {
            return Map.of("invoice", order.field("n"));
        }

        @RedisStreamListener(streams = "tr:invoices", group = "mail")
        void onInvoice(StreamEntry invoice) {
        }
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
        server.close();
    }

    private static SpanData consumerSpan(InMemorySpanExporter exporter, String stream, String id) {
        return exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.CONSUMER && s.getName().equals("process " + stream)
                        && id.equals(s.getAttributes().get(AttributeKey.stringKey("messaging.message.id"))))
                .findFirst().orElse(null);
    }

    private static StreamMessage<String, String> invoice(String n) {
        return redis.entries("tr:invoices").stream().filter(e -> n.equals(e.getBody().get("invoice"))).findFirst()
                .orElse(null);
    }

    @Test
    void aListenerContinuesTheProducersTraceAndItsSendToOutputCarriesItOn() {
        runner(server.uri()).withUserConfiguration(Telemetry.class, Listeners.class)
                .withPropertyValues("rill.consumers.default.start-position=earliest", "rill.consumers.default.block-timeout=200ms")
                .run(context -> {
                    InMemorySpanExporter exporter = context.getBean(InMemorySpanExporter.class);
                    Tracing tracing = context.getBean(Tracing.class);
                    assertTrue(tracing.enabled(), "on with an OpenTelemetry bean");
                    Span producer = context.getBean(OpenTelemetry.class).getTracer("test").spanBuilder("send")
                            .setSpanKind(SpanKind.PRODUCER).startSpan();
                    String id;
                    try (Scope ignored = producer.makeCurrent()) {
                        Map<String, String> fields = new LinkedHashMap<>(Map.of("n", "1"));
                        tracing.inject(fields);
                        id = redis.commands().xadd("tr:orders", fields);
                    } finally {
                        producer.end();
                    }
                    await().atMost(Duration.ofSeconds(20)).until(() -> consumerSpan(exporter, "tr:orders", id) != null);
                    SpanData billing = consumerSpan(exporter, "tr:orders", id);
                    assertEquals(producer.getSpanContext().getTraceId(), billing.getTraceId());
                    assertEquals(producer.getSpanContext().getSpanId(), billing.getParentSpanId());

                    await().atMost(Duration.ofSeconds(20)).until(() -> invoice("1") != null);
                    String out = invoice("1").getId();
                    await().atMost(Duration.ofSeconds(20)).until(() -> consumerSpan(exporter, "tr:invoices", out) != null);
                    SpanData mail = consumerSpan(exporter, "tr:invoices", out);
                    assertEquals(producer.getSpanContext().getTraceId(), mail.getTraceId(), "one trace through @SendTo");
                    assertEquals(billing.getSpanId(), mail.getParentSpanId());
                });
    }

    @Test
    void offWritesNoFieldsAndOpensNoSpans() {
        runner(server.uri()).withUserConfiguration(Telemetry.class, Listeners.class)
                .withPropertyValues("rill.consumers.default.start-position=earliest", "rill.consumers.default.block-timeout=200ms",
                        "rill.tracing.enabled=false")
                .run(context -> {
                    InMemorySpanExporter exporter = context.getBean(InMemorySpanExporter.class);
                    assertTrue(context.getBeansOfType(Tracing.class).isEmpty(), "no Tracing bean");
                    Span producer = context.getBean(OpenTelemetry.class).getTracer("test").spanBuilder("send").startSpan();
                    try (Scope ignored = producer.makeCurrent()) {
                        redis.commands().xadd("tr:orders", Map.of("n", "2"));
                    } finally {
                        producer.end();
                    }
                    await().atMost(Duration.ofSeconds(20)).until(() -> invoice("2") != null);
                    assertEquals(Map.of("invoice", "2"), invoice("2").getBody(), "no trace fields in the @SendTo output");
                    assertFalse(exporter.getFinishedSpanItems().stream().anyMatch(s -> s.getKind() == SpanKind.CONSUMER));
                });
    }
}
