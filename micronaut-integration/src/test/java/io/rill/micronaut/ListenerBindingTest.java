package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.messaging.annotation.MessageBody;
import io.micronaut.messaging.annotation.MessageHeader;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.StreamEntry;
import io.rill.micronaut.annotation.DeliveryCount;
import io.rill.micronaut.annotation.MessageId;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import jakarta.inject.Inject;

/** Issue 5, test 1: a bean with two @Stream methods receives typed bodies and fields; entries end acked. */
@MicronautTest
class ListenerBindingTest extends RedisTest {

    static final String SPEC = "ListenerBindingTest";

    @Serdeable
    record Order(String sku, int quantity, BigDecimal amount) {
    }

    /** Read field by field from an entry without a payload field. */
    @Serdeable
    record Payment(String orderId, long cents, String currency) {
    }

    record SeenOrder(Order order, String orderId, int priority, String id, StreamEntry raw, String coupon) {
    }

    record SeenPayment(Payment payment, OptionalLong deliveryCount, Optional<String> note, Map<String, String> fields) {
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "shop")
    static class Shop {
        final List<SeenOrder> orders = new CopyOnWriteArrayList<>();
        final List<SeenPayment> payments = new CopyOnWriteArrayList<>();

        @Stream("bind:orders")
        void onOrder(@MessageBody Order order, @MessageHeader("orderId") String orderId,
                @MessageHeader("priority") int priority, @MessageId String id, StreamEntry raw,
                @Nullable @MessageHeader("coupon") String coupon) {
            orders.add(new SeenOrder(order, orderId, priority, id, raw, coupon));
        }

        @Stream("bind:payments")
        void onPayment(Payment payment, @DeliveryCount OptionalLong deliveryCount, @MessageHeader("note") Optional<String> note) {
            payments.add(new SeenPayment(payment, deliveryCount, note, null));
        }
    }

    @Inject
    Shop shop;

    @Override
    String spec() {
        return SPEC;
    }

    @Test
    void typedBodiesAndFieldsAreBoundAndEveryEntryEndsAcked() {
        String first = redis.add("bind:orders", "payload", "{\"sku\":\"A-1\",\"quantity\":3,\"amount\":12.50}",
                "orderId", "o-1", "priority", "7");
        redis.add("bind:orders", "payload", "{\"sku\":\"B-2\",\"quantity\":1,\"amount\":99}",
                "orderId", "o-2", "priority", "1", "coupon", "WINTER");
        redis.add("bind:payments", "orderId", "o-1", "cents", "1250", "currency", "EUR");
        redis.add("bind:payments", "orderId", "o-2", "cents", "9900", "currency", "USD", "note", "express");

        await().atMost(Duration.ofSeconds(20)).until(() -> shop.orders.size() == 2 && shop.payments.size() == 2);

        SeenOrder o1 = shop.orders.get(0);
        assertEquals(new Order("A-1", 3, new BigDecimal("12.50")), o1.order());
        assertEquals("o-1", o1.orderId());
        assertEquals(7, o1.priority());
        assertEquals(first, o1.id());
        assertEquals(first, o1.raw().id());
        assertEquals("bind:orders", o1.raw().stream());
        assertEquals(null, o1.coupon());
        assertEquals("WINTER", shop.orders.get(1).coupon());

        assertEquals(new Payment("o-1", 1250, "EUR"), shop.payments.get(0).payment());
        assertEquals(Optional.empty(), shop.payments.get(0).note());
        assertEquals(Optional.of("express"), shop.payments.get(1).note());
        assertNotNull(shop.payments.get(0).deliveryCount());

        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("bind:orders", "shop")
                && redis.allAcked("bind:payments", "shop"));
        assertTrue(redis.pendingIds("bind:orders", "shop").isEmpty());
    }
}
