package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.lettuce.core.StreamMessage;
import io.micronaut.context.ApplicationContext;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.micronaut.config.ProducerConfiguration;
import jakarta.inject.Inject;

/**
 * The IdempotentStreamPublisher bean, configured under rill.producer.* from the core's option table: a retried
 * publish adds one entry and returns its ID each time, through the outbox the properties turn on; bad
 * producer properties fail startup naming them.
 */
@MicronautTest
class IdempotentPublisherTest extends RedisTest {

    static final String SPEC = "IdempotentPublisherTest";

    @Serdeable
    record Order(String sku, int quantity) {
    }

    private final Path outbox;

    IdempotentPublisherTest() {
        try {
            outbox = Files.createTempDirectory("rill-outbox");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        closeAfterContext.add(() -> {
            try (var files = Files.walk(outbox)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        });
    }

    @Inject
    IdempotentStreamPublisher publisher;
    @Inject
    ProducerConfiguration configuration;

    @Override
    String spec() {
        return SPEC;
    }

    @Override
    Map<String, String> properties() {
        return Map.of("rill.producer.retention", "10m", "rill.producer.outbox.directory", outbox.toString(),
                "rill.producer.outbox.identity", "orders-api", "rill.producer.outbox.fsync", "always");
    }

    @Test
    void theOptionsComeFromTheProducerProperties() {
        assertEquals(Duration.ofMinutes(10), configuration.options().retention());
        assertEquals("orders-api", configuration.options().outbox().identity());
        assertTrue(Files.isDirectory(outbox.resolve("orders-api")), "the outbox claimed its directory");
    }

    @Test
    void aRetriedPublishAddsOneEntryThroughTheOutbox() {
        String stream = "idem:orders";
        String first = publisher.publish(stream, "order-1", new Order("A-1", 2)).join();
        for (int retry = 0; retry < 3; retry++) {
            assertEquals(first, publisher.publish(stream, "order-1", new Order("A-1", 2)).join());
        }
        String other = publisher.publish(stream, "order-2", Map.of("sku", "B-2")).join();
        assertNotEquals(first, other);
        List<StreamMessage<String, String>> written = redis.entries(stream);
        assertEquals(List.of(first, other), written.stream().map(StreamMessage::getId).toList());
        assertEquals("{\"sku\":\"A-1\",\"quantity\":2}", written.get(0).getBody().get("payload"));
        await().atMost(Duration.ofSeconds(10)).until(() -> publisher.buffered() == 0);
    }

    @Test
    void anEntryBuiltFromABodyCarriesFurtherFieldsAndTrimsTheStream() {
        String stream = "idem:trimmed";
        for (int i = 0; i < 5; i++) {
            publisher.publish("t-" + i, publisher.entry(stream, new Order("A-" + i, i)).field("tenant", "acme")
                    .maxLen(2).exactTrimming().build()).join();
        }
        String again = publisher.publish("t-4", publisher.entry(stream, new Order("other", 9)).build()).join();
        List<StreamMessage<String, String>> written = redis.entries(stream);
        assertEquals(2, written.size(), "MAXLEN = 2");
        assertEquals(again, written.get(1).getId(), "a retried key answers the first entry's ID");
        assertEquals("{\"sku\":\"A-4\",\"quantity\":4}", written.get(1).getBody().get("payload"));
        assertEquals("acme", written.get(1).getBody().get("tenant"));
    }

    @Test
    void theContextsStopClosesTheProducerAndReleasesItsOutbox() {
        Path directory = outbox.resolve("stop");
        Map<String, Object> properties = Map.of("spec.name", "none", "redis.uri", server.uri(),
                "rill.producer.outbox.directory", directory.toString());
        IdempotentStreamPublisher stopped;
        try (ApplicationContext other = ApplicationContext.run(properties)) {
            stopped = other.getBean(IdempotentStreamPublisher.class);
            stopped.publish("idem:stop", "s-1", Map.of("n", "1")).join();
        }
        assertThrows(IllegalStateException.class, () -> stopped.publish("idem:stop", "s-2", Map.of("n", "2")),
                "closed with its context");
        try (ApplicationContext again = ApplicationContext.run(properties)) {
            again.getBean(IdempotentStreamPublisher.class).publish("idem:stop", "s-2", Map.of("n", "2")).join();
        } // the identity was released: a new context claims it
        assertEquals(2, redis.entries("idem:stop").size());
    }

    @Test
    void badProducerPropertiesFailStartupNamingThem() {
        String tooSmall = StartupFailures.failure("none", server.uri(),
                Map.of("rill.producer.outbox.directory", outbox.resolve("other").toString(),
                        "rill.producer.outbox.max-entries", "0"));
        StartupFailures.assertMentions(tooSmall, "rill.producer.outbox.max-entries", "must be between 1");
        String unknown = StartupFailures.failure("none", server.uri(), Map.of("rill.producer.outbox.size", "10"));
        StartupFailures.assertMentions(unknown, "rill.producer.outbox.size is not an option of the producer");
        String notADuration = StartupFailures.failure("none", server.uri(), Map.of("rill.producer.retention", "soon"));
        StartupFailures.assertMentions(notADuration, "rill.producer.retention", "a duration");
    }
}
