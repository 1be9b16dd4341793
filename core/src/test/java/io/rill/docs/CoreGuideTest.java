package io.rill.docs;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.testing.RedisServer;

/** The guide's core snippets ({@link CoreGuide}) run against a real Redis and do what the guide says. */
class CoreGuideTest {

    @Test
    void theGuidesSnippetsRunAsDescribed(@TempDir Path checkpoints) {
        try (RedisServer server = RedisServer.start()) {
            Rill closed = CoreGuide.entryPoint(server.uri(), new SimpleMeterRegistry());
            assertTrue(closed.subscriptions().isEmpty());

            RedisClient client = RedisClient.create(server.uri());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisCommands<String, String> redis = connection.sync();
                Rill rill = Rill.create(client);

                // subscribe: a new group starts at $, so the entries come after it is running
                Subscription sub = CoreGuide.subscribe(rill);
                await().until(() -> sub.state() == SubscriptionState.RUNNING);
                redis.xadd("orders", Map.of("orderId", "o-1", "amount", "12.50"));
                String second = redis.xadd("orders", Map.of("orderId", "o-2", "amount", "3.00"));
                await().atMost(Duration.ofSeconds(10)).until(() -> lastDelivered(redis, "billing") != null
                        && redis.xpending("orders", "billing").getCount() == 0
                        && lastDelivered(redis, "billing").equals(redis.xinfoStream("orders").get(redis.xinfoStream("orders").indexOf("last-generated-id") + 1)));
                sub.close();

                // manual acknowledgement: asynchronous saves settle their entries
                Subscription manual = CoreGuide.manual(rill, SubscriptionOptions.builder().streams("orders").group("audit")
                        .consumer("audit-1").startPosition(StartPosition.EARLIEST).build());
                await().atMost(Duration.ofSeconds(10)).until(() -> redis.xinfoGroups("orders").size() == 2
                        && redis.xpending("orders", "audit").getCount() == 0 && lastDelivered(redis, "audit") != null
                        && lastDelivered(redis, "audit").equals(lastDelivered(redis, "billing")));
                manual.close();

                // binary values: the handler gets the bytes as written, also those that are not UTF-8
                Subscription images = CoreGuide.binary(rill);
                await().until(() -> images.state() == SubscriptionState.RUNNING);
                byte[] png = { (byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xff, (byte) 0xfe };
                try (StatefulRedisConnection<String, byte[]> bytes = client.connect(
                        RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
                    bytes.sync().xadd("images", Map.of("name", "a.png".getBytes(StandardCharsets.UTF_8), "png", png));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> CoreGuide.THUMBNAILS.containsKey("a.png"));
                assertArrayEquals(png, CoreGuide.THUMBNAILS.get("a.png"));
                images.close();

                // exactly-once output: the invoice is committed with the order's ack
                Subscription billing = CoreGuide.outputs(rill);
                await().until(() -> billing.state() == SubscriptionState.RUNNING);
                redis.xadd("{billing}:orders", Map.of("orderId", "o-9", "amount", "10.00"));
                await().atMost(Duration.ofSeconds(10)).until(() -> redis.xlen("{billing}:invoices") == 1
                        && redis.xpending("{billing}:orders", "billing").getCount() == 0);
                assertEquals(Map.of("orderId", "o-9", "total", "12.00"),
                        redis.xrange("{billing}:invoices", io.lettuce.core.Range.create("-", "+")).get(0).getBody());
                billing.close();

                // retries: IllegalArgumentException is non-retryable, so an order without an amount is dead-lettered at once
                SubscriptionOptions retries = CoreGuide.retries();
                assertEquals(5, retries.retry().maxAttempts());
                Subscription strict = rill.subscribe(retries.toBuilder().group("strict").startPosition(StartPosition.EARLIEST).build(),
                        entry -> CoreGuide.bill(entry.fields()));
                redis.xadd("orders", Map.of("orderId", "o-3"));
                await().atMost(Duration.ofSeconds(10)).until(() -> redis.xlen("orders:dlq") == 1);
                strict.close();

                // listing and redriving: the dead letter goes back to orders as a new entry
                long before = redis.xlen("orders");
                assertEquals(1, CoreGuide.deadLetters(rill));
                assertEquals(0, redis.xlen("orders:dlq"));
                assertEquals(before + 1, redis.xlen("orders"));
                assertEquals(0, CoreGuide.operateDeadLetters(rill)[2], "nothing left to redrive");

                // a checkpoint directory derives the consumer name
                String consumer = CoreGuide.checkpoint(rill, checkpoints);
                assertNotNull(consumer);
                assertTrue(consumer.length() > 9, consumer);

                // start position: a new group at the time o-2 was added reads from o-2 on; a seek back replays
                Instant since = Instant.ofEpochMilli(Long.parseLong(second.split("-")[0]));
                java.util.List<String> fromThen = redis.xrange("orders", io.lettuce.core.Range.create("-", "+")).stream()
                        .map(io.lettuce.core.StreamMessage::getId)
                        .filter(id -> Long.parseLong(id.split("-")[0]) >= since.toEpochMilli()).toList();
                assertTrue(fromThen.contains(second) && fromThen.size() >= 2, fromThen.toString());
                Subscription reports = CoreGuide.startPosition(rill, since);
                await().atMost(Duration.ofSeconds(10)).until(() -> CoreGuide.REPORTED.size() >= fromThen.size());
                assertEquals(fromThen, CoreGuide.REPORTED);
                CoreGuide.seek(rill, reports, since);
                await().atMost(Duration.ofSeconds(10)).until(() -> CoreGuide.REPORTED.size() >= 2 * fromThen.size());
                assertEquals(fromThen, CoreGuide.REPORTED.subList(fromThen.size(), 2 * fromThen.size()));
                reports.close();

                assertEquals(6, CoreGuide.nestedOptions().deadLetter().maxFailures());
                rill.close(Duration.ofSeconds(10));
            } finally {
                client.shutdown();
            }
        }
    }

    private static String lastDelivered(RedisCommands<String, String> redis, String group) {
        for (Object info : redis.xinfoGroups("orders")) {
            java.util.List<?> fields = (java.util.List<?>) info;
            if (group.equals(String.valueOf(fields.get(fields.indexOf("name") + 1)))) {
                return String.valueOf(fields.get(fields.indexOf("last-delivered-id") + 1));
            }
        }
        return null;
    }
}
