package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.lettuce.core.StreamMessage;
import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageBody;
import io.micronaut.messaging.annotation.SendTo;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.Subscription;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import jakarta.inject.Inject;

/**
 * {@code @SendTo} is exactly-once by default (semantics 12): the output commits with the input's
 * acknowledgement, so an input acknowledged meanwhile (by another consumer that handled it after a reclaim,
 * or a commit whose answer was lost) gets no second output. {@code @Stream(transactional = false)} keeps
 * publish-then-ack, which writes it again. A batch method returns one value per entry.
 */
@MicronautTest
class TransactionalSendToTest extends RedisTest {

    static final String SPEC = "TransactionalSendToTest";
    private static final Duration LONG = Duration.ofSeconds(30);

    @Serdeable
    record Order(String orderId) {
    }

    @Serdeable
    record Invoice(String orderId, String kind) {
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "billing")
    static class Billing {
        final CountDownLatch entered = new CountDownLatch(2);
        final CountDownLatch release = new CountDownLatch(1);

        @Stream("tx:orders")
        @SendTo("tx:invoices")
        Invoice exactlyOnce(@MessageBody Order order) throws InterruptedException {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
            return new Invoice(order.orderId(), "transactional");
        }

        @Stream(value = "tx:legacy-orders", transactional = false)
        @SendTo("tx:legacy-invoices")
        Invoice publishThenAck(@MessageBody Order order) throws InterruptedException {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
            return new Invoice(order.orderId(), "publish-then-ack");
        }

        // tag::batch-send-to[]
        @Stream(value = "tx:batch-orders", batch = true)
        @SendTo("tx:batch-invoices")
        List<Invoice> batch(List<Order> orders) {
            return orders.stream().map(o -> o.orderId().endsWith("0") ? null : new Invoice(o.orderId(), "batch")).toList();
        }
        // end::batch-send-to[]
    }

    @Inject
    Billing billing;

    @Inject
    RillSubscriptions subscriptions;

    @Override
    String spec() {
        return SPEC;
    }

    @Override
    Map<String, String> properties() {
        return Map.of("rill.consumers.billing.consumer", "b1");
    }

    @Test
    void theDefaultCommitsTheOutputWithTheAckAndTheOptOutPublishesThenAcks() throws Exception {
        String input = redis.add("tx:orders", "orderId", "o-1");
        String legacy = redis.add("tx:legacy-orders", "orderId", "o-2");
        await().atMost(LONG).until(() -> billing.entered.getCount() == 0);
        // while both handlers run, their inputs are acknowledged elsewhere (as a second consumer's commit would)
        assertEquals(1L, redis.commands().xack("tx:orders", "billing", input));
        assertEquals(1L, redis.commands().xack("tx:legacy-orders", "billing", legacy));
        billing.release.countDown();

        await().atMost(LONG).until(() -> redis.entries("tx:legacy-invoices").size() == 1);
        // the transactional commit ran and its XACK said "acknowledged already": the input left the in-flight window
        Subscription sub = subscriptions.list().stream().filter(i -> i.options().streams().contains("tx:orders"))
                .map(i -> subscriptions.subscription(i.id()).orElseThrow()).findFirst().orElseThrow();
        await().atMost(LONG).until(() -> sub.inFlight() == 0);
        assertEquals(0, redis.commands().exists("tx:invoices"), "no second output for an input acknowledged meanwhile");
        assertTrue(redis.entries("tx:legacy-invoices").get(0).getBody().toString().contains("publish-then-ack"));
    }

    @Test
    void aBatchMethodReturnsOneValuePerEntryAndEachCommitsWithItsInput() {
        for (int i = 1; i <= 30; i++) {
            redis.add("tx:batch-orders", "orderId", "b-" + i);
        }
        await().atMost(LONG).until(() -> redis.entries("tx:batch-invoices").size() >= 27 && redis.allAcked("tx:batch-orders", "billing"));
        List<String> ids = redis.entries("tx:batch-invoices").stream().map(StreamMessage::getBody).map(Object::toString)
                .map(b -> b.replaceAll(".*\"orderId\":\"(b-\\d+)\".*", "$1")).toList();
        assertEquals(27, ids.size(), "b-10, b-20, b-30 returned null: no output");
        assertEquals(27, ids.stream().distinct().count(), "one output each: " + ids);
        assertTrue(ids.stream().noneMatch(id -> id.endsWith("0")), ids.toString());
    }
}
