package io.rill.micronaut.docs;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageBody;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import reactor.core.publisher.Mono;

@Requires(property = "spec.name", value = "docs")
// tag::async[]
@RedisStreamListener(group = "shipping")
class Shipping {
    private static final Logger log = LoggerFactory.getLogger(Shipping.class);
    private final HttpClient http = HttpClient.newHttpClient();

    @Stream("orders")
    CompletableFuture<Void> onOrder(@MessageBody Order order) {
        // acknowledged when the future completes; failed (retried, then dead-lettered) when it fails
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://carrier.example/parcels"))
                .POST(BodyPublishers.ofString(order.sku())).build();
        return http.sendAsync(request, BodyHandlers.discarding()).thenAccept(response -> {
            if (response.statusCode() >= 300) {
                throw new IllegalStateException("carrier answered " + response.statusCode());
            }
        });
    }

    @Stream("returns")
    Mono<Void> onReturn(@MessageBody Order order) {
        // Rill subscribes (nothing runs before that) and acknowledges the entry when the Mono completes
        return Mono.fromRunnable(() -> log.info("restocking {} x {}", order.quantity(), order.sku()));
    }
}
// end::async[]
