package io.rill.micronaut.docs;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageBody;
import io.micronaut.messaging.annotation.MessageHeader;
import io.micronaut.serde.annotation.Serdeable;
import io.rill.micronaut.RedisStreamListenerException;
import io.rill.micronaut.RedisStreamListenerExceptionHandler;
import io.rill.micronaut.RillSubscriptions;
import io.rill.micronaut.StreamPublisher;
import io.rill.micronaut.SubscriptionInfo;
import io.rill.micronaut.annotation.RedisStreamClient;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import jakarta.inject.Singleton;

/**
 * The snippets of docs/micronaut.md, compiled so that they stay true. Never loaded: the spec.name they
 * require is not set by any test.
 */
final class GettingStarted {

    private GettingStarted() {
    }

    @Serdeable
    record Order(String sku, int quantity, BigDecimal amount) {
    }

    @Requires(property = "spec.name", value = "docs")
    @RedisStreamListener(group = "shop")
    static class Shop {
        @Stream("orders")
        void onOrder(@MessageBody Order order, @MessageHeader("orderId") String orderId) {
            // returning normally acknowledges the entry; throwing leaves it pending
        }
    }

    @Requires(property = "spec.name", value = "docs")
    @RedisStreamListener(group = "strict")
    static class Strict implements RedisStreamListenerExceptionHandler {
        @Stream("orders")
        void onOrder(@MessageBody Order order, @MessageHeader("tenant") String tenant) {
            if (order.quantity() < 0) {
                throw new IllegalArgumentException("negative quantity");
            }
        }

        @Override
        public Resolution handle(RedisStreamListenerException exception) {
            // exception.getCause(): the method's exception, or an EntryBindingException
            // exception.entries(): the entry (or the batch's entries) that failed
            return Resolution.FAIL; // or ACKNOWLEDGE: dealt with, acknowledge the entries
        }
    }

    @Requires(property = "spec.name", value = "docs")
    @RedisStreamClient // connection = "other" for redis.servers.other
    interface Orders {
        @Stream("orders")
        String send(Order order, @MessageHeader("tenant") String tenant); // returns the entry ID

        @Stream(value = "audit", maxLen = "100000") // XADD ... MAXLEN ~ 100000
        void record(Map<String, String> fields);
    }

    @Requires(property = "spec.name", value = "docs")
    @Singleton
    static class Operations {
        private static final Logger log = LoggerFactory.getLogger(Operations.class);
        private final RillSubscriptions subscriptions;
        private final StreamPublisher publisher;

        Operations(RillSubscriptions subscriptions, StreamPublisher publisher) {
            this.subscriptions = subscriptions;
            this.publisher = publisher;
        }

        void report() {
            for (SubscriptionInfo s : subscriptions.list()) {
                log.info("{} {} {} in flight {}", s.id(), s.listener(), s.state(), s.inFlight());
            }
            subscriptions.pause("billing/host-1/orders"); // stops reading; entries in flight are still handled
            subscriptions.resume("billing/host-1/orders"); // reads again; starts an autoStartup = false listener
        }

        void publish(Order order1, Order order2) {
            String id = publisher.publish("orders", order1);
            List<String> ids = publisher.publishAll("orders", List.of(order1, order2), Map.of("tenant", "acme"), 10_000);
            log.info("published {} and {}", id, ids);
        }
    }
}
