package io.rill.spring;

import static io.rill.spring.Contexts.assertMentions;
import static io.rill.spring.Contexts.failure;
import static io.rill.spring.Contexts.runner;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.lettuce.core.Range;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.rill.PartitionedStream;
import io.rill.testing.RedisCluster;

/**
 * Boot's cluster configuration ({@code spring.data.redis.cluster.nodes}) is what the starter runs on
 * (semantics 13): a listener of a partitioned stream reads every partition, each on its slot's master.
 * {@code @SendTo} runs there too: transactional (semantics 12) when its streams share the input's hash tag,
 * refused at startup with the slot rule's fix when they don't, publish-then-ack across slots.
 */
class ClusterListenerTest {

    static final RedisCluster cluster = RedisCluster.start(3, 0, Duration.ofSeconds(1));

    static class Listener {
        final Set<String> handled = ConcurrentHashMap.newKeySet();

        @RedisStreamListener(streams = "clicks", group = "counting", consumer = "c1", startFrom = "earliest")
        void on(@Field("n") String n) {
            handled.add(n);
        }
    }

    static class Billing {

        @RedisStreamListener(streams = "{bill}:orders", group = "billing", consumer = "b1", startFrom = "earliest")
        @SendTo("{bill}:invoices")
        Map<String, String> bill(@Field("orderId") String orderId) {
            return Map.of("orderId", orderId);
        }

        // publish-then-ack may cross slots ('credits' is not in the slot of '{returns}')
        @RedisStreamListener(streams = "{returns}", group = "billing", consumer = "b1", startFrom = "earliest")
        @SendTo(value = "credits", transactional = false)
        Map<String, String> credit(@Field("orderId") String orderId) {
            return Map.of("orderId", orderId);
        }
    }

    static class CrossSlotBilling {

        @RedisStreamListener(streams = "orders", group = "billing", consumer = "b1")
        @SendTo("invoices")
        Map<String, String> bill(@Field("orderId") String orderId) {
            return Map.of("orderId", orderId);
        }
    }

    private static String nodes() {
        return String.join(",", cluster.nodes().stream().map(n -> n.host() + ":" + n.port()).toList());
    }

    @Test
    void sendToOfHashTaggedStreamsBillsEveryOrderExactlyOnceOnTheCluster() {
        RedisClusterClient producerClient = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create).toList());
        try (StatefulRedisClusterConnection<String, String> producer = producerClient.connect()) {
            runner().withBean(Billing.class).withPropertyValues(
                    "spring.data.redis.cluster.nodes=" + nodes(),
                    "rill.fail-fast=true",
                    "rill.consumers.billing.block-timeout=200ms").run(context -> {
                assertNull(context.getStartupFailure());
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
            });
        } finally {
            producerClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void aTransactionalSendToAcrossHashSlotsFailsStartupNamingTheHashTagFix() {
        assertMentions(failure(runner().withBean(CrossSlotBilling.class).withPropertyValues(
                "spring.data.redis.cluster.nodes=" + nodes(), "rill.fail-fast=true")),
                "must share one hash slot", "'invoices'", "'orders'", "Give the streams one hash tag", "'{orders}:invoices'");
    }

    private static List<String> orderIds(List<StreamMessage<String, String>> entries) {
        return entries.stream().map(m -> m.getBody().get("orderId")).toList();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aListenerReadsAPartitionedStreamOnTheCluster() {
        String nodes = nodes();
        PartitionedStream clicks = PartitionedStream.of("clicks", 4);
        RedisClusterClient producerClient = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create).toList());
        try (StatefulRedisClusterConnection<String, String> producer = producerClient.connect()) {
            runner().withBean(Listener.class).withPropertyValues(
                    "spring.data.redis.cluster.nodes=" + nodes,
                    "rill.fail-fast=true",
                    "rill.consumers.counting.partitions=4",
                    "rill.consumers.counting.block-timeout=200ms").run(context -> {
                assertNull(context.getStartupFailure());
                for (int n = 0; n < 40; n++) {
                    producer.sync().xadd(clicks.streamFor("user-" + n), Map.of("n", String.valueOf(n)));
                }
                Listener listener = context.getBean(Listener.class);
                await().atMost(Duration.ofSeconds(20)).until(() -> listener.handled.size() == 40
                        && clicks.streams().stream().allMatch(p -> producer.sync().xpending(p, "counting").getCount() == 0));
                assertEquals(40, listener.handled.size());
            });
        } finally {
            producerClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
