package io.rill.spring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.StreamMessage;
import io.rill.Acknowledgement;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.rill.StreamEntry;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.hash.ObjectHashMapper;
import org.springframework.stereotype.Component;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Listener methods on a Spring bean are bound (typed body from JSON, fields by name, the raw entry, a batch,
 * manual ack, CompletionStage and Publisher returns, @SendTo output, Spring Data Redis ObjectHashMapper
 * entries) and every entry ends acked only after its handler returned (semantics 1).
 */
@SpringBootTest(classes = ListenerBindingTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {"rill.consumers.default.block-timeout=200ms", "rill.consumers.default.start-position=earliest"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext
class ListenerBindingTest {

    static final RedisServer server = RedisServer.start();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", server::uri);
    }

    record Order(String sku, int quantity, BigDecimal amount) {
    }

    record Payment(String orderId, long cents, String currency) {
    }

    record Address(String city, String zip) {
    }

    record Customer(String name, Address address, List<String> tags) {
    }

    record SeenOrder(Order order, String orderId, int priority, String id, StreamEntry raw, String coupon) {
    }

    @Component
    static class Shop {
        final List<SeenOrder> orders = new CopyOnWriteArrayList<>();
        final List<Object[]> payments = new CopyOnWriteArrayList<>();
        final List<List<Payment>> batches = new CopyOnWriteArrayList<>();
        final List<String> manual = new CopyOnWriteArrayList<>();
        final List<String> async = new CopyOnWriteArrayList<>();
        final List<Customer> customers = new CopyOnWriteArrayList<>();
        volatile Acknowledgement held;

        // tag::binding[]
        @RedisStreamListener(streams = "bind:orders", group = "shop")
        void onOrder(@Body Order order, @Field("orderId") String orderId, @Field("priority") int priority,
                @MessageId String id, StreamEntry raw, @Nullable @Field("coupon") String coupon) {
            orders.add(new SeenOrder(order, orderId, priority, id, raw, coupon));
        }

        @RedisStreamListener(streams = "bind:payments", group = "shop")
        void onPayment(Payment payment, @DeliveryCount OptionalLong deliveryCount, @Field("note") Optional<String> note) {
            payments.add(new Object[] {payment, deliveryCount, note});
        }
        // end::binding[]

        // tag::batch-manual[]
        @RedisStreamListener(streams = "bind:batch", group = "shop", batch = true)
        void onPayments(List<Payment> batch) {
            batches.add(batch);
        }

        /** Acknowledges nothing until the test lets it: the entry stays pending while the method has returned. */
        @RedisStreamListener(streams = "bind:manual", group = "shop")
        void onManual(StreamEntry entry, Acknowledgement ack) {
            manual.add(entry.id());
            held = ack;
        }
        // end::batch-manual[]

        // tag::async[]
        @RedisStreamListener(streams = "bind:stage", group = "shop")
        CompletionStage<Void> onStage(Map<String, String> fields) {
            return CompletableFuture.runAsync(() -> async.add("stage:" + fields.get("n")));
        }

        @RedisStreamListener(streams = "bind:mono", group = "shop")
        Mono<Void> onMono(Map<String, String> fields) {
            return Mono.fromRunnable(() -> async.add("mono:" + fields.get("n")));
        }

        @RedisStreamListener(streams = "bind:flux", group = "shop")
        @SendTo("bind:flux-out")
        Flux<Map<String, String>> onFlux(@Field("n") int n) {
            return Flux.just(Map.of("n", Integer.toString(n), "copy", "1"), Map.of("n", Integer.toString(n), "copy", "2"));
        }
        // end::async[]

        @RedisStreamListener(streams = "bind:invoices-in", group = "shop")
        @SendTo("bind:invoices")
        Map<String, String> onInvoice(Order order) {
            return Map.of("sku", order.sku(), "total", order.amount().multiply(BigDecimal.valueOf(order.quantity())).toPlainString());
        }

        // tag::object-hash-mapper[]
        @RedisStreamListener(streams = "bind:customers", group = "shop")
        void onCustomer(Customer customer) { // written by ObjectHashMapper: _class, address.city, tags.[0], ...
            customers.add(customer);
        }
        // end::object-hash-mapper[]
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(Shop.class)
    static class App {
        /** Destroyed after the subscriptions stopped (a lifecycle stop comes before any bean is destroyed). */
        @Bean
        DisposableBean redisServer() {
            return server::close;
        }
    }

    @Autowired
    Shop shop;
    @Autowired
    MeterRegistry meters;

    private final RedisFixture redis = new RedisFixture(server);

    @AfterAll
    void stop() {
        redis.close();
    }

    @Test
    void typedBodiesFieldsAndTheRawEntryAreBoundAndEveryEntryEndsAcked() {
        String id = redis.add("bind:orders", "payload", "{\"sku\":\"A-1\",\"quantity\":2,\"amount\":\"9.50\"}",
                "orderId", "o-1", "priority", "3");
        redis.add("bind:payments", "orderId", "o-1", "cents", "950", "currency", "EUR");

        await().atMost(Duration.ofSeconds(10)).until(() -> shop.orders.size() == 1 && shop.payments.size() == 1);
        SeenOrder seen = shop.orders.get(0);
        assertEquals(new Order("A-1", 2, new BigDecimal("9.50")), seen.order());
        assertEquals("o-1", seen.orderId());
        assertEquals(3, seen.priority());
        assertEquals(id, seen.id());
        assertEquals(id, seen.raw().id());
        assertNull(seen.coupon());
        Object[] payment = shop.payments.get(0);
        assertEquals(new Payment("o-1", 950, "EUR"), payment[0]);
        assertEquals(Optional.empty(), payment[2]);
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("bind:orders", "shop")
                && redis.allAcked("bind:payments", "shop"));
        // the core's meters are in Boot's MeterRegistry, tagged by subscription
        await().atMost(Duration.ofSeconds(10)).until(() -> meters.find(SubscriptionMetrics.ACKED).tag("group", "shop")
                .counters().stream().mapToDouble(Counter::count).sum() >= 2);
    }

    @Test
    void aBatchMethodGetsTheEntriesOfAReadTogether() {
        for (int i = 0; i < 5; i++) {
            redis.add("bind:batch", "orderId", "o-" + i, "cents", Integer.toString(i), "currency", "EUR");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> shop.batches.stream().mapToInt(List::size).sum() == 5);
        List<Payment> all = new ArrayList<>();
        shop.batches.forEach(all::addAll);
        assertEquals(new Payment("o-4", 4, "EUR"), all.get(4));
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("bind:batch", "shop"));
    }

    @Test
    void aManualAckMethodAcknowledgesWhenItSaysSo() {
        String id = redis.add("bind:manual", "n", "1");
        await().atMost(Duration.ofSeconds(10)).until(() -> shop.manual.contains(id));
        // returned, not acknowledged: still pending (the ack is the method's to give)
        assertEquals(1, redis.pending("bind:manual", "shop"));
        shop.held.ack();
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("bind:manual", "shop"));
    }

    @Test
    void completionStagesAndPublishersAreAwaitedBeforeTheAck() {
        redis.add("bind:stage", "n", "1");
        redis.add("bind:mono", "n", "2");
        await().atMost(Duration.ofSeconds(10)).until(() -> shop.async.containsAll(List.of("stage:1", "mono:2")));
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("bind:stage", "shop")
                && redis.allAcked("bind:mono", "shop"));
    }

    @Test
    void sendToWritesTheResultAndAPublishersElementsToTheOutputStream() {
        redis.add("bind:invoices-in", "payload", "{\"sku\":\"B-2\",\"quantity\":3,\"amount\":\"2.00\"}");
        redis.add("bind:flux", "n", "7");
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.entries("bind:invoices").size() == 1
                && redis.entries("bind:flux-out").size() == 2);
        assertEquals(Map.of("sku", "B-2", "total", "6.00"), redis.entries("bind:invoices").get(0).getBody());
        List<StreamMessage<String, String>> copies = redis.entries("bind:flux-out");
        assertEquals(List.of("1", "2"), copies.stream().map(m -> m.getBody().get("copy")).toList());
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("bind:invoices-in", "shop")
                && redis.allAcked("bind:flux", "shop"));
    }

    /** Entries written by Spring Data Redis's ObjectHashMapper: flattened keys nested again, _class ignored. */
    @Test
    void entriesWrittenByObjectHashMapperAreBound() {
        Customer written = new Customer("Ada", new Address("Paris", "75001"), List.of("vip", "eu"));
        Map<byte[], byte[]> hash = new ObjectHashMapper().toHash(written);
        Map<String, String> fields = new LinkedHashMap<>();
        hash.forEach((k, v) -> fields.put(new String(k), new String(v)));
        assertTrue(fields.containsKey("_class") && fields.containsKey("address.city"), fields.keySet().toString());
        redis.commands().xadd("bind:customers", new HashMap<>(fields));
        await().atMost(Duration.ofSeconds(10)).until(() -> shop.customers.size() == 1);
        assertEquals(written, shop.customers.get(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("bind:customers", "shop"));
    }
}
