package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lettuce.core.StreamMessage;
import io.rill.CheckpointOptions.Fsync;
import io.rill.OutboxOptions;
import io.rill.Output;
import io.rill.ProducerOptions;
import io.rill.publish.OutboxFullException;
import io.rill.publish.Producer;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.RedisServerOptions;

/**
 * The producer outbox over a real Redis that is killed and restarted (AOF always): what is published while
 * Redis is down waits in the journal and reaches the stream once each, in publish order; a full outbox
 * fails the publish naming the option and drops nothing.
 */
class OutboxOutageTest {

    @TempDir
    Path dir;

    private Producer producer(RedisFixture redis, OutboxOptions outbox) {
        return Producer.builder(redis.client()).options(ProducerOptions.builder().outbox(outbox).build()).build();
    }

    private static Output entry(String stream, int i) {
        return Output.of(stream, Map.of("n", Integer.toString(i)));
    }

    private static List<String> numbers(List<StreamMessage<String, String>> entries) {
        return entries.stream().map(e -> e.getBody().get("n")).toList();
    }

    @Test
    void entriesPublishedWhileRedisIsDownArriveOnceInOrder() throws Exception {
        try (RedisServer server = RedisServer.startLocal(RedisServerOptions.builder().appendOnly(true).build());
                RedisFixture redis = new RedisFixture(server);
                Producer producer = producer(redis, OutboxOptions.builder().directory(dir).fsync(Fsync.ALWAYS).build())) {
            String stream = "orders";
            List<CompletableFuture<String>> ids = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                ids.add(producer.publish("order-" + i, entry(stream, i)));
            }
            CompletableFuture.allOf(ids.toArray(CompletableFuture[]::new)).get();
            server.kill();
            for (int i = 300; i < 1_000; i++) {
                ids.add(producer.publish("order-" + i, entry(stream, i)));
            }
            assertTrue(producer.buffered() > 0, "Redis is down: entries wait");
            server.restart();
            await().atMost(Duration.ofSeconds(90)).until(() -> producer.buffered() == 0);
            try (RedisFixture after = new RedisFixture(server)) {
                List<StreamMessage<String, String>> entries = after.entries(stream);
                assertEquals(IntStream.range(0, 1_000).mapToObj(Integer::toString).toList(), numbers(entries));
                assertEquals(entries.stream().map(StreamMessage::getId).toList(),
                        ids.stream().map(CompletableFuture::join).toList(), "each future has its entry's ID");
            }
        }
    }

    @Test
    void aSecondProducerWithTheSameOutboxIdentityFailsAtBuildNamingIt() {
        io.lettuce.core.RedisClient nowhere = io.lettuce.core.RedisClient.create("redis://127.0.0.1:1"); // never used
        OutboxOptions outbox = OutboxOptions.builder().directory(dir).identity("orders-api").build();
        ProducerOptions options = ProducerOptions.builder().outbox(outbox).build();
        try (Producer first = Producer.builder(nowhere).options(options).build()) {
            IllegalStateException held = assertThrows(IllegalStateException.class,
                    () -> Producer.builder(nowhere).options(options).build());
            assertTrue(held.getMessage().contains("outbox.identity 'orders-api'")
                    && held.getMessage().contains("is locked by " + ProcessHandle.current().pid()), held.getMessage());
            assertEquals(0, first.buffered());
        } finally {
            nowhere.shutdown();
        }
    }

    @Test
    void aFullOutboxFailsThePublishNamingTheOptionAndDropsNothing() throws Exception {
        try (RedisServer server = RedisServer.startLocal(RedisServerOptions.builder().appendOnly(true).build());
                RedisFixture redis = new RedisFixture(server)) {
            String stream = "orders";
            server.kill();
            try (Producer producer = producer(redis, OutboxOptions.builder().directory(dir).maxEntries(200).build())) {
                for (int i = 0; i < 200; i++) {
                    producer.publish("order-" + i, entry(stream, i));
                }
                OutboxFullException full = assertThrows(OutboxFullException.class,
                        () -> producer.publish("order-200", entry(stream, 200)));
                assertEquals("outbox.max-entries", full.option());
                assertTrue(full.getMessage().contains("outbox.max-entries = 200"), full.getMessage());
                assertEquals(200, producer.buffered());
            } // closed while Redis is down: the 200 stay in the journal
            server.restart();
            try (RedisFixture after = new RedisFixture(server);
                    Producer producer = producer(after, OutboxOptions.builder().directory(dir).maxEntries(200).build())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> producer.buffered() == 0);
                assertEquals(IntStream.range(0, 200).mapToObj(Integer::toString).toList(), numbers(after.entries(stream)),
                        "the next producer of the identity sends what the first left, once each, in order");
            }
        }
    }
}
