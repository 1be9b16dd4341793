package io.rill.examples.orders;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.micronaut.context.BeanProvider;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.rill.micronaut.IdempotentStreamPublisher;
import io.rill.publish.OutboxFullException;

/**
 * {@code POST /orders} with an {@code Idempotency-Key} header: takes an order and appends it to stream
 * {@code orders}, the key as its {@code orderId}. A client that did not see the answer (a timeout, a dropped
 * connection) sends the same request again and gets the same entry back, never a second order. The order is
 * in the outbox journal before the answer goes out: {@code 201} with the entry ID when Redis took it within
 * a second, {@code 202} when it waits in the outbox (Redis away), {@code 503} when the outbox is full.
 */
@Controller("/orders")
public class OrderEndpoint {

    /** What a client posts. */
    @Serdeable
    public record NewOrder(String customer, String amount) {
    }

    /** The answer: the order's ID, and its entry's ID once Redis has it. */
    @Serdeable
    public record Taken(String orderId, @Nullable String entryId) {
    }

    // made on the first order: an instance that takes none never opens the outbox
    private final BeanProvider<IdempotentStreamPublisher> publisher;

    OrderEndpoint(BeanProvider<IdempotentStreamPublisher> publisher) {
        this.publisher = publisher;
    }

    @Post
    @ExecuteOn(TaskExecutors.BLOCKING)
    HttpResponse<?> take(@Nullable @Header("Idempotency-Key") String key, @Body NewOrder order) {
        if (key == null || key.isBlank()) {
            return HttpResponse.badRequest(Map.of("error", "the Idempotency-Key header is required: the same value "
                    + "for every retry of one order"));
        }
        if (order.customer() == null || order.amount() == null) {
            return HttpResponse.badRequest(Map.of("error", "customer and amount are required"));
        }
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("orderId", key);
        fields.put("customer", order.customer());
        fields.put("amount", order.amount());
        // tag::order-endpoint[]
        CompletableFuture<String> id;
        try {
            id = publisher.get().publish("orders", key, fields);   // on disk when it returns
        } catch (OutboxFullException e) {
            return HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("error", e.getMessage()));
        }
        String entryId = idWithin(id, Duration.ofSeconds(1));      // null: it waits in the outbox for Redis
        return entryId != null ? HttpResponse.created(new Taken(key, entryId))
                : HttpResponse.accepted().body(new Taken(key, null));
        // end::order-endpoint[]
    }

    /** The entry's ID once Redis has it, or null when that takes longer than {@code wait}. */
    private static String idWithin(CompletableFuture<String> id, Duration wait) {
        try {
            return id.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null; // journaled all the same
        } catch (ExecutionException e) {
            throw new IllegalStateException("Redis refused the order: " + e.getCause(), e.getCause());
        }
    }
}
