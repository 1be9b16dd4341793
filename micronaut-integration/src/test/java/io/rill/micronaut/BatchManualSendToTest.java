package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.lettuce.core.StreamMessage;
import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageBody;
import io.micronaut.messaging.annotation.MessageHeader;
import io.micronaut.messaging.annotation.SendTo;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.Acknowledgement;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import jakarta.inject.Inject;
import reactor.core.publisher.Flux;

/** Issue 5, test 2: a batch method, a manual-ack method (ack and nack), and @SendTo output. */
@MicronautTest
class BatchManualSendToTest extends RedisTest {

    static final String SPEC = "BatchManualSendToTest";

    @Serdeable
    record Payment(String orderId, long cents) {
    }

    @Serdeable
    record Order(String orderId, long cents) {
    }

    @Serdeable
    record Invoice(String orderId, long cents, String status) {
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "accounting")
    static class Accounting {
        final List<List<Payment>> batches = new CopyOnWriteArrayList<>();
        final List<String> settled = new CopyOnWriteArrayList<>();

        // tag::batch[]
        @Stream(value = "bms:payments", batch = true)
        void onPayments(List<Payment> payments) {
            batches.add(payments);
        }
        // end::batch[]

        // tag::manual[]
        @Stream("bms:refunds")
        void onRefund(@MessageHeader("refundId") String refundId, @MessageHeader("approved") boolean approved,
                Acknowledgement ack) {
            // settle later, from another thread, as an asynchronous client would
            Thread.ofPlatform().start(() -> {
                if (approved) {
                    ack.ack();
                } else {
                    ack.nack();
                }
                settled.add(refundId);
            });
        }
        // end::manual[]

        // tag::send-to[]
        @Stream("bms:orders")
        @SendTo("bms:invoices")
        Invoice onOrder(@MessageBody Order order) {
            return new Invoice(order.orderId(), order.cents(), "issued");
        }
        // end::send-to[]

        @Stream("bms:splits")
        @SendTo({"bms:parts", "bms:audit"})
        Flux<Map<String, String>> onSplit(@MessageHeader("parts") int parts, @MessageHeader("orderId") String orderId) {
            return Flux.range(1, parts).map(i -> Map.of("orderId", orderId, "part", Integer.toString(i)));
        }
    }

    @Inject
    Accounting accounting;

    @Override
    String spec() {
        return SPEC;
    }

    @Override
    Map<String, String> properties() {
        return Map.of("rill.consumers.accounting.batch-size", "10");
    }

    @Test
    void aBatchMethodReceivesTheEntriesOfAReadAsAList() {
        for (int i = 0; i < 25; i++) {
            redis.add("bms:payments", "orderId", "o-" + i, "cents", Integer.toString(100 * i));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> accounting.batches.stream().mapToInt(List::size).sum() == 25);
        assertTrue(accounting.batches.stream().allMatch(b -> b.size() <= 10), "batch-size 10 bounds every batch");
        assertEquals(new Payment("o-24", 2400), accounting.batches.get(accounting.batches.size() - 1).getLast());
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("bms:payments", "accounting"));
    }

    @Test
    void aManualAckMethodAcksAndNacksItsEntries() {
        String approved = redis.add("bms:refunds", "refundId", "r-1", "approved", "true");
        String rejected = redis.add("bms:refunds", "refundId", "r-2", "approved", "false");
        String approvedToo = redis.add("bms:refunds", "refundId", "r-3", "approved", "true");

        await().atMost(Duration.ofSeconds(20)).until(() -> accounting.settled.size() == 3);
        // the nacked entry stays pending; the acked ones are acknowledged
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.pendingIds("bms:refunds", "accounting").equals(Set.of(rejected)));
        assertTrue(!redis.pendingIds("bms:refunds", "accounting").contains(approved));
        assertTrue(!redis.pendingIds("bms:refunds", "accounting").contains(approvedToo));
    }

    @Test
    void sendToWritesTheReturnValueToTheTargetStreamBeforeTheInputIsAcked() {
        redis.add("bms:orders", "payload", "{\"orderId\":\"o-9\",\"cents\":4200}");
        await().atMost(Duration.ofSeconds(20)).until(() -> redis.commands().exists("bms:invoices") == 1
                && redis.allAcked("bms:orders", "accounting"));
        List<StreamMessage<String, String>> invoices = redis.entries("bms:invoices");
        assertEquals(1, invoices.size());
        assertEquals("{\"orderId\":\"o-9\",\"cents\":4200,\"status\":\"issued\"}", invoices.get(0).getBody().get("payload"));
    }

    @Test
    void sendToWritesEveryElementOfAPublisherToEveryTargetStream() {
        redis.add("bms:splits", "orderId", "o-5", "parts", "3");
        await().atMost(Duration.ofSeconds(20)).until(() -> redis.allAcked("bms:splits", "accounting")
                && redis.commands().xlen("bms:audit") == 3);
        for (String stream : List.of("bms:parts", "bms:audit")) {
            List<StreamMessage<String, String>> parts = redis.entries(stream);
            assertEquals(List.of("1", "2", "3"), parts.stream().map(m -> m.getBody().get("part")).toList());
            assertTrue(parts.stream().allMatch(m -> m.getBody().get("orderId").equals("o-5")));
        }
    }
}
