package io.rill.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lettuce.core.RedisClient;
import io.rill.publish.Producer;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

/** docs/producing.md's snippets ({@link ProducingGuide}) run against a real Redis and do what the page says. */
class ProducingGuideTest {

    @Test
    void theSnippetsPublishOnceAndThroughTheOutbox(@TempDir Path directory) {
        try (RedisServer server = RedisServer.start(); RedisFixture redis = new RedisFixture(server)) {
            RedisClient client = redis.client();
            redis.commands().del("orders");
            String id = ProducingGuide.idempotent(client, "request-1");
            assertEquals(id, ProducingGuide.idempotent(client, "request-1"), "the retry gets the first ID");
            assertEquals(1, redis.commands().xlen("orders"));

            try (Producer producer = ProducingGuide.buffered(client, directory)) {
                String first = ProducingGuide.publishBuffered(producer, "o-1").join();
                assertEquals(first, ProducingGuide.publishBuffered(producer, "o-1").join());
                ProducingGuide.publishBuffered(producer, "o-2").join();
            }
            assertEquals(3, redis.commands().xlen("orders"));
        }
    }
}
