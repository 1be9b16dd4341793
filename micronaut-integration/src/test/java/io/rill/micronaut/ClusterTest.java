package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageHeader;
import io.micronaut.messaging.annotation.SendTo;
import io.rill.PartitionedStream;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.testing.RedisCluster;

/**
 * micronaut-redis's cluster client ({@code redis.uris}) is what listeners run on (semantics 13): a listener
 * of a partitioned stream reads every partition, each on its slot's master. {@code @SendTo} and the
 * {@code StreamPublisher} run on it too: a transactional {@code @SendTo} (semantics 12) whose streams share a
 * hash tag commits on the slot's master, one across slots fails startup naming the slot rule's fix.
 */
class ClusterTest {

    static final String SPEC = "ClusterTest";
    static final String BILLING = "ClusterTest.billing";
    static final String CROSS_SLOT = "ClusterTest.crossSlot";
    static final String PUBLISHING = "ClusterTest.publishing";
    static final RedisCluster cluster = RedisCluster.start(3, 0, Duration.ofSeconds(1));

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "counting", consumer = "c1")
    static class ClickListener {
        final Set<String> seen = ConcurrentHashMap.newKeySet();

        @Stream("clicks")
        void on(@MessageHeader("n") String n) {
            seen.add(n);
        }
    }

    @Requires(property = "spec.name", value = BILLING)
    @RedisStreamListener(group = "billing", consumer = "b1")
    static class Billing {

        @Stream("{bill}:orders")
        @SendTo("{bill}:invoices")
        Map<String, String> bill(@MessageHeader("orderId") String orderId) {
            return Map.of("orderId", orderId);
        }

        // publish-then-ack may cross slots ('credits' is not in the slot of '{returns}')
        @Stream(value = "{returns}", transactional = false)
        @SendTo("credits")
        Map<String, String> credit(@MessageHeader("orderId") String orderId) {
            return Map.of("orderId", orderId);
        }
    }

    @Requires(property = "spec.name", value = CROSS_SLOT)
    @RedisStreamListener(group = "billing", consumer = "b1")
    static class CrossSlotBilling {

        @Stream("orders")
        @SendTo("invoices")
        Map<String, String> bill(@MessageHeader("orderId") String orderId) {
            return Map.of("orderId", orderId);
        }
    }

    static Map<String, Object> clusterProperties(String spec) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("spec.name", spec);
        properties.put("redis.uris", String.join(",", cluster.uris()));
        properties.put("rill.fail-fast", "true");
        properties.put("rill.consumers.billing.start-position", "earliest");
        properties.put("rill.consumers.billing.block-timeout", "200ms");
        return properties;
    }

    @Test
    void sendToOfHashTaggedStreamsBillsEveryOrderExactlyOnceOverTheCluster() {
        RedisClusterClient producerClient = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create).toList());
        try (ApplicationContext context = ApplicationContext.run(clusterProperties(BILLING));
                StatefulRedisClusterConnection<String, String> producer = producerClient.connect()) {
            for (int n = 0; n < 30; n++) {
                producer.sync().xadd("{bill}:orders", Map.of("orderId", "o-" + n));
                producer.sync().xadd("{returns}", Map.of("orderId", "r-" + n));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> producer.sync().xlen("{bill}:invoices") >= 30
                    && producer.sync().xpending("{bill}:orders", "billing").getCount() == 0
                    && producer.sync().xlen("credits") >= 30
                    && producer.sync().xpending("{returns}", "billing").getCount() == 0);
            List<String> billed = orderIds(producer.sync().xrange("{bill}:invoices", Range.create("-", "+")));
            assertEquals(30, billed.size(), "one invoice per order: " + billed);
            assertEquals(30, billed.stream().distinct().count(), "no order billed twice: " + billed);
            List<String> credited = orderIds(producer.sync().xrange("credits", Range.create("-", "+")));
            assertEquals(30, credited.stream().distinct().count(), "every return credited: " + credited);
        } finally {
            producerClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void aTransactionalSendToAcrossHashSlotsFailsStartupNamingTheHashTagFix() {
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> ApplicationContext.run(clusterProperties(CROSS_SLOT)).close());
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append(" | ");
        }
        for (String part : List.of("must share one hash slot", "'invoices'", "'orders'",
                "Give the streams one hash tag", "'{orders}:invoices'")) {
            assertTrue(messages.toString().contains(part), "missing '" + part + "' in: " + messages);
        }
    }

    @Test
    void theStreamPublisherWritesEachKeyToItsPartitionOnThatSlotsMaster() {
        PartitionedStream events = PartitionedStream.of("events", 4);
        Map<String, String> idOfKey = new HashMap<>();
        try (ApplicationContext context = ApplicationContext.run(clusterProperties(PUBLISHING))) {
            StreamPublisher publisher = context.getBean(StreamPublisher.class);
            for (int n = 0; n < 20; n++) {
                idOfKey.put("user-" + n, publisher.publish(events, "user-" + n, Map.of("n", String.valueOf(n))));
            }
        }
        for (Map.Entry<String, String> published : idOfKey.entrySet()) {
            String partition = events.streamFor(published.getKey());
            RedisClient direct = RedisClient.create(cluster.masterFor(partition).uri());
            try (StatefulRedisConnection<String, String> master = direct.connect()) {
                List<StreamMessage<String, String>> found = master.sync().xrange(partition,
                        Range.create(published.getValue(), published.getValue()));
                assertEquals(1, found.size(), published.getKey() + "'s entry in " + partition + " on its master");
                assertEquals(published.getKey().substring("user-".length()), found.get(0).getBody().get("n"));
            } finally {
                direct.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    private static List<String> orderIds(List<StreamMessage<String, String>> entries) {
        return entries.stream().map(m -> m.getBody().get("orderId")).toList();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aListenerReadsAPartitionedStreamOnTheClusterOfRedisUris() {
        PartitionedStream clicks = PartitionedStream.of("clicks", 4);
        RedisClusterClient producerClient = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create).toList());
        try (ApplicationContext context = ApplicationContext.run(Map.of(
                "spec.name", SPEC,
                "redis.uris", String.join(",", cluster.uris()),
                "rill.fail-fast", "true",
                "rill.consumers.counting.partitions", "4",
                "rill.consumers.counting.start-position", "earliest",
                "rill.consumers.counting.block-timeout", "200ms"));
                StatefulRedisClusterConnection<String, String> producer = producerClient.connect()) {
            assertTrue(context.getBean(RedisClusterClient.class) != null);
            for (int n = 0; n < 40; n++) {
                producer.sync().xadd(clicks.streamFor("user-" + n), Map.of("n", String.valueOf(n)));
            }
            ClickListener listener = context.getBean(ClickListener.class);
            await().atMost(Duration.ofSeconds(20)).until(() -> listener.seen.size() == 40
                    && clicks.streams().stream().allMatch(p -> producer.sync().xpending(p, "counting").getCount() == 0));
            assertEquals(40, listener.seen.size());
        } finally {
            producerClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
