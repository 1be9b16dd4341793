package io.rill.micronaut.docs;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micronaut.context.annotation.Requires;
import io.rill.StartPosition;
import io.rill.micronaut.RillSubscriptions;
import io.rill.micronaut.StreamPublisher;
import io.rill.micronaut.SubscriptionInfo;
import jakarta.inject.Singleton;

@Requires(property = "spec.name", value = "docs")
@Singleton
class Operations {
    private static final Logger log = LoggerFactory.getLogger(Operations.class);
    private final RillSubscriptions subscriptions;
    private final StreamPublisher publisher;

    Operations(RillSubscriptions subscriptions, StreamPublisher publisher) {
        this.subscriptions = subscriptions;
        this.publisher = publisher;
    }

    void report() {
        // tag::registry[]
        for (SubscriptionInfo s : subscriptions.list()) {   // RillSubscriptions subscriptions, injected
            log.info("{} {} {} in flight {}", s.id(), s.listener(), s.state(), s.inFlight());
        }
        subscriptions.pause("billing/host-1/orders"); // stops reading; entries in flight are still handled
        subscriptions.seek("billing/host-1/orders", StartPosition.parse("2026-11-30T08:00:00Z"), null); // paused: replay from 08:00
        subscriptions.resume("billing/host-1/orders"); // reads again; starts an autoStartup = false listener
        // end::registry[]
    }

    void publish(Order order1, Order order2) {
        // tag::publisher[]
        String id = publisher.publish("orders", order1);
        List<String> ids = publisher.publishAll("orders", List.of(order1, order2), Map.of("tenant", "acme"), 10_000);
        CompletableFuture<String> later = publisher.publishAsync("orders", order1, Map.of(), StreamPublisher.NO_MAX_LEN);
        // end::publisher[]
        log.info("published {} and {}; {} to come", id, ids, later);
    }
}
