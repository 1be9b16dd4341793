package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.lettuce.core.StreamMessage;
import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageHeader;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.micronaut.annotation.RedisStreamClient;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import jakarta.inject.Inject;

/** @RedisStreamClient interfaces and the StreamPublisher bean write entries the way listeners read them. */
@MicronautTest
class ProducerTest extends RedisTest {

    static final String SPEC = "ProducerTest";

    @Serdeable
    record Order(String sku, int quantity) {
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamClient
    interface Orders {
        @Stream("prod:orders")
        String send(Order order, @MessageHeader("tenant") String tenant);

        @Stream(value = "prod:${prod.suffix}", maxLen = "${prod.max-len}")
        void sendTrimmed(Map<String, String> fields);
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "prod")
    static class Reader {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Stream("prod:orders")
        void on(Order order, @MessageHeader("tenant") String tenant) {
            seen.add(order.sku() + "x" + order.quantity() + "@" + tenant);
        }
    }

    @Inject
    Orders orders;
    @Inject
    StreamPublisher publisher;
    @Inject
    Reader reader;

    @Override
    String spec() {
        return SPEC;
    }

    @Override
    Map<String, String> properties() {
        return Map.of("prod.suffix", "trimmed", "prod.max-len", "100");
    }

    @Test
    void aClientMethodAppendsItsArgumentAsAListenerReadsIt() {
        String id = orders.send(new Order("A-1", 2), "acme");
        List<StreamMessage<String, String>> written = redis.entries("prod:orders");
        assertEquals(1, written.size());
        assertEquals(id, written.get(0).getId());
        assertEquals(Map.of("payload", "{\"sku\":\"A-1\",\"quantity\":2}", "tenant", "acme"), written.get(0).getBody());
        await().atMost(Duration.ofSeconds(20)).until(() -> reader.seen.contains("A-1x2@acme"));
    }

    @Test
    void maxLenTrimsTheStreamApproximately() {
        for (int i = 0; i < 1_000; i++) {
            orders.sendTrimmed(Map.of("n", Integer.toString(i)));
        }
        long length = redis.commands().xlen("prod:trimmed");
        assertTrue(length >= 100 && length < 1_000, "MAXLEN ~ 100 left " + length);
    }

    @Test
    void theStreamPublisherBeanWritesBodiesAndFields() {
        List<String> ids = publisher.publishAll("prod:orders", List.of(new Order("B-1", 1), new Order("B-2", 5)),
                Map.of("tenant", "globex"), StreamPublisher.NO_MAX_LEN);
        assertEquals(2, ids.size());
        publisher.publish("prod:raw", Map.of("k", "v"));
        publisher.publish("prod:raw", "plain text");
        assertEquals(Map.of("k", "v"), redis.entries("prod:raw").get(0).getBody());
        assertEquals(Map.of("payload", "plain text"), redis.entries("prod:raw").get(1).getBody());
        await().atMost(Duration.ofSeconds(20)).until(() -> reader.seen.containsAll(List.of("B-1x1@globex", "B-2x5@globex")));
    }

    /** Semantics 13: a key always goes to the same partition, the one crc32(key) mod n names. */
    @Test
    void aPartitionedPublishRoutesByKey() {
        io.rill.PartitionedStream stream = io.rill.PartitionedStream.of("prod:parted", 4);
        for (int i = 0; i < 3; i++) {
            publisher.publish(stream, "customer-7", Map.of("i", Integer.toString(i)));
        }
        String partition = stream.streamFor("customer-7");
        assertEquals(3, redis.entries(partition).size());
        for (String other : stream.streams()) {
            if (!other.equals(partition)) {
                assertEquals(0L, redis.commands().xlen(other), other);
            }
        }
    }
}
