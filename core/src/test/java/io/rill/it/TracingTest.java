package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.rill.DeadLetterOptions;
import io.rill.RetryOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.StreamEntry;
import io.rill.SubscriptionOptions;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;
import io.rill.tracing.OpenTelemetryTracing;
import io.rill.tracing.Tracing;

/**
 * Trace context through Redis (design: observability): a producer writes the W3C trace context into entry
 * fields; each handled entry runs in a consumer span of the producer's trace, current during the handler
 * call, with the messaging attributes; the trace survives a dead letter and its redrive; entries without
 * the field are handled as before; with tracing off nothing is written or opened.
 */
@WithRedis
class TracingTest {

    private final RedisFixture redis;
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .build();
    private final Tracer producerTracer = otel.getTracer("test-producer");

    TracingTest(RedisServer server) {
        this.redis = new RedisFixture(server);
    }

    @AfterEach
    void close() {
        otel.close();
        redis.close();
    }

    private static SubscriptionOptions.Builder options(String stream) {
        return SubscriptionOptions.builder().streams(stream).group("billing").consumer("c1")
                .startPosition(StartPosition.EARLIEST).blockTimeout(Duration.ofMillis(100));
    }

    /** Writes one entry inside a producer span; returns the span's context. */
    private SpanContext produce(Tracing tracing, String stream, Map<String, String> fields) {
        Span span = producerTracer.spanBuilder("send " + stream).setSpanKind(SpanKind.PRODUCER).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            // tag::inject[]
            Map<String, String> written = new LinkedHashMap<>(fields);
            tracing.inject(written); // the current span's traceparent (and tracestate); a field already there wins
            redis.commands().xadd(stream, written);
            // end::inject[]
        } finally {
            span.end();
        }
        return span.getSpanContext();
    }

    private List<SpanData> consumerSpans(String stream) {
        return exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.CONSUMER && s.getName().equals("process " + stream)).toList();
    }

    private static String attribute(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    @Test
    void theConsumerSpanContinuesTheProducersTraceAndIsCurrentInTheHandler() {
        String stream = RedisFixture.unique("orders");
        // tag::tracing[]
        Tracing tracing = OpenTelemetryTracing.create(otel); // otel: the application's OpenTelemetry
        // end::tracing[]
        SpanContext producer = produce(tracing, stream, Map.of("n", "1"));
        List<SpanContext> inHandler = new CopyOnWriteArrayList<>();
        List<StreamEntry> handled = new CopyOnWriteArrayList<>();
        // tag::subscribe[]
        try (Rill rill = Rill.builder(redis.client()).tracing(tracing).build()) {
            // end::subscribe[]
            rill.subscribe(options(stream).build(), entry -> {
                inHandler.add(Span.current().getSpanContext());
                handled.add(entry);
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> consumerSpans(stream).size() == 1);
        }
        StreamEntry entry = handled.get(0);
        assertEquals("1", entry.field("n"));
        assertTrue(entry.field(Tracing.TRACEPARENT).contains(producer.getTraceId()), entry.field(Tracing.TRACEPARENT));

        SpanData consumer = consumerSpans(stream).get(0);
        assertEquals(producer.getTraceId(), consumer.getTraceId(), "one trace across Redis");
        assertEquals(producer.getSpanId(), consumer.getParentSpanId());
        assertEquals(consumer.getSpanContext(), inHandler.get(0), "the consumer span is current during the call");
        assertEquals("redis", attribute(consumer, "messaging.system"));
        assertEquals(stream, attribute(consumer, "messaging.destination.name"));
        assertEquals("billing", attribute(consumer, "messaging.consumer.group.name"));
        assertEquals(entry.id(), attribute(consumer, "messaging.message.id"));
        assertEquals(1L, consumer.getAttributes().get(AttributeKey.longKey("rill.delivery.count")));
        assertEquals(StatusCode.UNSET, consumer.getStatus().getStatusCode());
        assertFalse(Span.current().getSpanContext().isValid(), "nothing left current on this thread");
    }

    @Test
    void theTraceSurvivesADeadLetterAndItsRedrive() {
        String stream = RedisFixture.unique("orders");
        Tracing tracing = OpenTelemetryTracing.create(otel);
        SpanContext producer = produce(tracing, stream, Map.of("n", "7"));
        AtomicBoolean fixed = new AtomicBoolean();
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (Rill rill = Rill.builder(redis.client()).tracing(tracing).build()) {
            rill.subscribe(options(stream)
                    .retry(RetryOptions.builder().maxAttempts(1).nonRetryable(IllegalStateException.class).build())
                    .deadLetter(DeadLetterOptions.builder().maxFailures(1).build()).build(), entry -> {
                        if (!fixed.get()) {
                            throw new IllegalStateException("not yet");
                        }
                        handled.add(entry.id());
                    });
            String dlq = DeadLetterOptions.DEFAULT.streamFor(stream);
            await().atMost(Duration.ofSeconds(20)).until(() -> redis.commands().xlen(dlq) == 1);
            SpanData failed = consumerSpans(stream).get(0);
            assertEquals(producer.getTraceId(), failed.getTraceId());
            assertEquals(StatusCode.ERROR, failed.getStatus().getStatusCode());
            assertTrue(failed.getEvents().stream().anyMatch(e -> e.getName().equals("exception")), "exception recorded");

            fixed.set(true);
            assertEquals(1, rill.deadLetters(dlq).redriveAll());
            await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() == 1);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> consumerSpans(stream).size() == 2);
        SpanData redriven = consumerSpans(stream).get(1);
        assertEquals(handled.iterator().next(), attribute(redriven, "messaging.message.id"));
        assertEquals(producer.getTraceId(), redriven.getTraceId(), "the redriven entry keeps the original's trace");
        assertEquals(producer.getSpanId(), redriven.getParentSpanId());
        assertEquals(StatusCode.UNSET, redriven.getStatus().getStatusCode());
    }

    @Test
    void workersSideBySideEachEndTheirOwnSpan() {
        String stream = RedisFixture.unique("orders");
        Tracing tracing = OpenTelemetryTracing.create(otel);
        Map<String, String> producerOf = new ConcurrentHashMap<>(); // the n field -> producer span ID
        for (int i = 0; i < 40; i++) {
            producerOf.put(Integer.toString(i), produce(tracing, stream, Map.of("n", Integer.toString(i))).getSpanId());
        }
        CountDownLatch together = new CountDownLatch(2);
        Map<String, String> currentIn = new ConcurrentHashMap<>(); // entry ID -> span current in its call
        try (Rill rill = Rill.builder(redis.client()).tracing(tracing).build()) {
            rill.subscribe(options(stream).concurrency(4).build(), entry -> {
                together.countDown();
                together.await(5, TimeUnit.SECONDS); // the first calls overlap, on two workers
                currentIn.put(entry.id(), Span.current().getSpanContext().getSpanId());
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> consumerSpans(stream).size() == 40);
        }
        for (SpanData span : consumerSpans(stream)) {
            String id = attribute(span, "messaging.message.id");
            assertEquals(currentIn.get(id), span.getSpanId(), "the span current in the call of " + id);
        }
        assertEquals(40, consumerSpans(stream).stream().map(SpanData::getSpanId).distinct().count(), "each ended once");
        assertEquals(Set.copyOf(producerOf.values()),
                Set.copyOf(consumerSpans(stream).stream().map(SpanData::getParentSpanId).toList()));
    }

    @Test
    void aBatchRunsInOneSpanLinkedToEachProducer() {
        String stream = RedisFixture.unique("orders");
        Tracing tracing = OpenTelemetryTracing.create(otel);
        List<SpanContext> producers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            producers.add(produce(tracing, stream, Map.of("n", Integer.toString(i))));
        }
        List<Integer> batches = new CopyOnWriteArrayList<>();
        try (Rill rill = Rill.builder(redis.client()).tracing(tracing).build()) {
            rill.subscribeBatch(options(stream).build(), batch -> batches.add(batch.size()));
            await().atMost(Duration.ofSeconds(20)).until(() -> batches.stream().mapToInt(Integer::intValue).sum() == 3);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> consumerSpans(stream).size() == batches.size());
        List<String> linked = consumerSpans(stream).stream().flatMap(s -> s.getLinks().stream())
                .map(l -> l.getSpanContext().getTraceId() + "/" + l.getSpanContext().getSpanId()).toList();
        assertEquals(producers.stream().map(p -> p.getTraceId() + "/" + p.getSpanId()).toList(), linked, "each entry's producer linked once, in order");
        for (SpanData span : consumerSpans(stream)) {
            assertFalse(span.getParentSpanContext().isValid(), "a batch starts a trace of its own");
        }
    }

    @Test
    void entriesWithoutTheFieldAreHandledInANewTrace() {
        String stream = RedisFixture.unique("orders");
        redis.add(stream, "n", "1");
        redis.add(stream, "n", "2", Tracing.TRACEPARENT, "not a traceparent");
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (Rill rill = Rill.builder(redis.client()).tracing(OpenTelemetryTracing.create(otel)).build()) {
            rill.subscribe(options(stream).build(), entry -> handled.add(entry.field("n")));
            await().atMost(Duration.ofSeconds(20)).until(() -> consumerSpans(stream).size() == 2);
        }
        assertEquals(Set.of("1", "2"), handled);
        for (SpanData span : consumerSpans(stream)) {
            assertFalse(span.getParentSpanContext().isValid(), "no parent: " + span);
        }
        assertNotEquals(consumerSpans(stream).get(0).getTraceId(), consumerSpans(stream).get(1).getTraceId());
    }

    @Test
    void fieldNamesAreConfigurableAndAFieldSetExplicitlyWins() {
        String stream = RedisFixture.unique("orders");
        // tag::field-names[]
        Tracing tracing = OpenTelemetryTracing.builder(otel).traceparentField("trace.parent").tracestateField("trace.state")
                .build();
        // end::field-names[]
        SpanContext producer = produce(tracing, stream, Map.of("n", "1"));
        Map<String, String> explicit = Map.of("n", "2", "trace.parent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        produce(tracing, stream, explicit);
        List<StreamEntry> entries = new CopyOnWriteArrayList<>();
        try (Rill rill = Rill.builder(redis.client()).tracing(tracing).build()) {
            rill.subscribe(options(stream).build(), entries::add);
            await().atMost(Duration.ofSeconds(20)).until(() -> consumerSpans(stream).size() == 2);
        }
        assertNull(entries.get(0).field(Tracing.TRACEPARENT));
        assertTrue(entries.get(0).field("trace.parent").contains(producer.getTraceId()));
        assertEquals(explicit.get("trace.parent"), entries.get(1).field("trace.parent"), "the explicit field is kept");
        assertEquals(producer.getTraceId(), consumerSpans(stream).get(0).getTraceId());
        assertEquals("0af7651916cd43dd8448eb211c80319c", consumerSpans(stream).get(1).getTraceId());
    }

    @Test
    void tracingOffWritesNoFieldsAndOpensNoSpan() {
        String stream = RedisFixture.unique("orders");
        produce(Tracing.off(), stream, Map.of("n", "1"));
        produce(OpenTelemetryTracing.create(otel), stream, Map.of("n", "2"));
        List<StreamEntry> entries = new CopyOnWriteArrayList<>();
        List<SpanContext> inHandler = new CopyOnWriteArrayList<>();
        try (Rill rill = Rill.builder(redis.client()).build()) {
            rill.subscribe(options(stream).build(), entry -> {
                inHandler.add(Span.current().getSpanContext());
                entries.add(entry);
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> entries.size() == 2);
        }
        assertEquals(Map.of("n", "1"), entries.get(0).fields(), "tracing off adds no fields");
        assertTrue(entries.get(1).fields().containsKey(Tracing.TRACEPARENT), "read as before: the field is just a field");
        assertTrue(consumerSpans(stream).isEmpty());
        assertFalse(inHandler.get(0).isValid());
        assertFalse(inHandler.get(1).isValid());
        assertEquals(Map.of(), OpenTelemetryTracing.create(otel).currentFields(), "no span current: no fields");
    }
}
