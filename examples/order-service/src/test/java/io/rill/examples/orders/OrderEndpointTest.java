package io.rill.examples.orders;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import io.rill.testing.RedisServer;
import io.rill.testing.RedisServerOptions;
import jakarta.inject.Inject;

/**
 * POST /orders through the idempotent, buffered producer, against a real Redis: a request retried with its
 * Idempotency-Key is one order; orders taken while Redis is killed wait in the outbox (202) and reach the
 * stream once each, in order, after its restart.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrderEndpointTest implements TestPropertyProvider {

    final RedisServer server = RedisServer.startLocal(RedisServerOptions.builder().appendOnly(true).build());
    final HttpClient client = HttpClient.newHttpClient();
    final Path outbox;

    @Inject
    EmbeddedServer embedded;
    @Inject
    ApplicationContext context;

    OrderEndpointTest() throws Exception {
        outbox = Files.createTempDirectory("order-outbox");
    }

    @Override
    public Map<String, String> getProperties() {
        return Map.of("redis.uri", server.uri(), "micronaut.server.port", "-1",
                "rill.producer.outbox.directory", outbox.toString(), "rill.consumers.billing.consumer", "endpoint-test");
    }

    @AfterAll
    void stop() {
        // the context first, so that its connections close against a live Redis, not retry a dead one
        context.stop();
        server.close();
    }

    private HttpResponse<String> post(String key, String customer, String amount) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(embedded.getURL() + "/orders"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"customer\":\"" + customer + "\",\"amount\":\"" + amount + "\"}"));
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRetriedOrderIsOneEntryAndOrdersTakenWhileRedisIsDownArriveInOrder() throws Exception {
        HttpResponse<String> first = post("web-1", "c-1", "12.50");
        assertEquals(201, first.statusCode(), first.body());
        for (int retry = 0; retry < 3; retry++) {
            HttpResponse<String> again = post("web-1", "c-1", "12.50");
            assertEquals(first.body(), again.body(), "the retry gets the first entry's ID");
        }
        try (OrderStreams streams = new OrderStreams(server.uri())) {
            assertEquals(1, streams.entries("orders").size());
        }

        server.kill();
        for (int i = 2; i <= 6; i++) {
            HttpResponse<String> taken = post("web-" + i, "c-" + i, "3.00");
            assertEquals(202, taken.statusCode(), taken.body()); // in the outbox, waiting for Redis
        }
        server.restart();
        try (OrderStreams streams = new OrderStreams(server.uri())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> streams.entries("orders").size() == 6);
            assertEquals(List.of("web-1", "web-2", "web-3", "web-4", "web-5", "web-6"),
                    streams.entries("orders").stream().map(m -> m.get("orderId")).toList());
        }

        HttpResponse<String> noKey = post(null, "c-1", "1.00");
        assertEquals(400, noKey.statusCode());
        assertTrue(noKey.body().contains("Idempotency-Key"), noKey.body());
    }
}
