package io.rill.micronaut.docs;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageHeader;
import io.rill.micronaut.annotation.RedisStreamClient;
import io.rill.micronaut.annotation.Stream;
import reactor.core.publisher.Mono;

@Requires(property = "spec.name", value = "docs")
// tag::client[]
@RedisStreamClient // connection = "other" for redis.servers.other
interface Orders {
    @Stream("orders")
    String send(Order order, @MessageHeader("tenant") String tenant); // returns the entry ID

    @Stream(value = "audit", maxLen = "100000") // XADD ... MAXLEN ~ 100000
    void record(Map<String, String> fields);

    @Stream("orders")
    CompletableFuture<String> sendAsync(Order order); // completes with the ID once Redis confirmed

    @Stream("orders")
    Mono<String> sendLater(Order order); // cold: written when subscribed

    @Stream(value = "orders", batch = true) // one entry per element, pipelined
    List<String> sendAll(List<Order> orders, @MessageHeader("tenant") String tenant); // the IDs, in order
}
// end::client[]
