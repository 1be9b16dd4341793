package io.rill.micronaut;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;

import io.lettuce.core.StreamMessage;
import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageBody;
import io.micronaut.messaging.annotation.MessageHeader;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.micronaut.annotation.RedisStreamClient;
import io.rill.micronaut.annotation.Stream;
import jakarta.inject.Inject;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Every return type of a @RedisStreamClient method: the ID, nothing, a future of the ID, a Publisher of it
 * (cold: written when subscribed); batch methods write one entry per element of a List, pipelined, and
 * return the IDs in order, blocking, as a future or one by one as a Flux.
 */
@MicronautTest
class ProducerReturnTypesTest extends RedisTest {

    static final String SPEC = "ProducerReturnTypesTest";
    static final String STREAM = "prt:orders";

    @Serdeable
    record Order(String sku, int quantity) {
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamClient
    interface Orders {
        @Stream(STREAM)
        String send(Order order);

        @Stream(STREAM)
        void fire(@MessageHeader("tenant") String tenant, @MessageBody Order order);

        @Stream(STREAM)
        CompletableFuture<String> sendAsync(Order order, @MessageHeader("tenant") String tenant);

        @Stream(STREAM)
        CompletableFuture<Void> fireAsync(Map<String, String> fields);

        @Stream(STREAM)
        Publisher<String> sendReactive(Order order);

        @Stream(STREAM)
        Mono<Void> fireReactive(Order order);

        @Stream(value = STREAM, batch = true)
        List<String> sendAll(List<Order> orders, @MessageHeader("tenant") String tenant);

        @Stream(value = STREAM, batch = true)
        CompletableFuture<List<String>> sendAllAsync(List<Order> orders);

        @Stream(value = STREAM, batch = true)
        Flux<String> sendAllReactive(List<Order> orders);
    }

    @Inject
    Orders orders;

    @Override
    String spec() {
        return SPEC;
    }

    /** The entry with this ID. */
    private Map<String, String> entry(String id) {
        return redis.entries(STREAM).stream().filter(e -> e.getId().equals(id)).findFirst().map(StreamMessage::getBody)
                .orElseThrow(() -> new AssertionError("no entry " + id + " in " + STREAM));
    }

    private static String json(String sku, int quantity) {
        return "{\"sku\":\"" + sku + "\",\"quantity\":" + quantity + "}";
    }

    @Test
    void blockingMethodsReturnTheIdOrNothing() {
        String id = orders.send(new Order("A-1", 1));
        assertEquals(Map.of("payload", json("A-1", 1)), entry(id));

        long before = redis.commands().xlen(STREAM);
        orders.fire("acme", new Order("A-2", 2));
        List<StreamMessage<String, String>> all = redis.entries(STREAM);
        assertEquals(before + 1, all.size());
        assertEquals(Map.of("payload", json("A-2", 2), "tenant", "acme"), all.getLast().getBody());
    }

    @Test
    void aFutureCompletesWithTheIdOnceRedisConfirmed() throws Exception {
        String id = orders.sendAsync(new Order("B-1", 3), "globex").get(20, TimeUnit.SECONDS);
        assertEquals(Map.of("payload", json("B-1", 3), "tenant", "globex"), entry(id));
        long before = redis.commands().xlen(STREAM);
        assertNull(orders.fireAsync(Map.of("k", "v")).get(20, TimeUnit.SECONDS));
        assertEquals(before + 1, redis.commands().xlen(STREAM));
    }

    @Test
    void aFutureFailsInsteadOfThrowingWhenTheBodyCannotBeWritten() {
        CompletableFuture<Void> empty = orders.fireAsync(Map.of()); // an entry needs a field
        ExecutionException e = assertThrows(ExecutionException.class, () -> empty.get(20, TimeUnit.SECONDS));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
    }

    @Test
    void aPublisherWritesWhenSubscribed() {
        long before = redis.commands().xlen(STREAM);
        Publisher<String> sending = orders.sendReactive(new Order("C-1", 4));
        Mono<Void> firing = orders.fireReactive(new Order("C-2", 5));
        assertEquals(before, redis.commands().xlen(STREAM), "cold: nothing written before a subscription");

        String id = Mono.from(sending).block(Duration.ofSeconds(20));
        assertEquals(Map.of("payload", json("C-1", 4)), entry(id));
        firing.block(Duration.ofSeconds(20));
        assertEquals(before + 2, redis.commands().xlen(STREAM));
    }

    @Test
    void aBatchMethodWritesOneEntryPerElementAndReturnsTheIdsInOrder() throws Exception {
        List<String> ids = orders.sendAll(List.of(new Order("D-1", 1), new Order("D-2", 2)), "initech");
        assertEquals(2, ids.size());
        assertEquals(Map.of("payload", json("D-1", 1), "tenant", "initech"), entry(ids.get(0)));
        assertEquals(Map.of("payload", json("D-2", 2), "tenant", "initech"), entry(ids.get(1)));
        assertEquals(List.of(), orders.sendAll(List.of(), "initech"));

        List<String> async = orders.sendAllAsync(List.of(new Order("E-1", 1), new Order("E-2", 2), new Order("E-3", 3)))
                .get(20, TimeUnit.SECONDS);
        assertEquals(List.of(json("E-1", 1), json("E-2", 2), json("E-3", 3)),
                async.stream().map(id -> entry(id).get("payload")).toList());

        List<String> reactive = orders.sendAllReactive(List.of(new Order("F-1", 1), new Order("F-2", 2)))
                .collectList().block(Duration.ofSeconds(20));
        assertEquals(List.of(json("F-1", 1), json("F-2", 2)), reactive.stream().map(id -> entry(id).get("payload")).toList());
    }
}
