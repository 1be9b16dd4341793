package io.rill.docs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.RedisClient;
import io.rill.CheckpointOptions.Fsync;
import io.rill.OutboxOptions;
import io.rill.Output;
import io.rill.ProducerOptions;
import io.rill.publish.OutboxFullException;
import io.rill.publish.Producer;

/** The Java blocks of docs/producing.md, compiled with the core's tests; {@code ProducingGuideTest} runs them. */
final class ProducingGuide {

    private ProducingGuide() {
    }

    static String idempotent(RedisClient client, String requestId) {
        // tag::idempotent[]
        Producer producer = Producer.create(client);                 // keys kept 24 hours, no outbox
        Output order = Output.of("orders", Map.of("sku", "A-1", "qty", "2"));
        String id = producer.publishAndWait(requestId, order);       // the key: the same for every retry,
                                                                     // and a retry returns this same ID
        // end::idempotent[]
        producer.close();
        return id;
    }

    static Producer buffered(RedisClient client, Path directory) {
        // tag::outbox[]
        Producer producer = Producer.builder(client)
                .options(ProducerOptions.builder()
                        .retention(Duration.ofHours(24))                 // longer than any outage to ride out
                        .outbox(OutboxOptions.builder()
                                .directory(directory)                    // a local disk, one per host
                                .identity("orders-api")                  // locked: one running producer each
                                .maxEntries(100_000)
                                .fsync(Fsync.ALWAYS)                     // publish returns after the fsync
                                .build())
                        .build())
                .build();
        // end::outbox[]
        return producer;
    }

    static CompletableFuture<String> publishBuffered(Producer producer, String orderId) {
        // tag::publish-buffered[]
        try {
            CompletableFuture<String> id = producer.publish(orderId, Output.to("orders")
                    .field("orderId", orderId).field("amount", "12.50").maxLen(1_000_000).build());
            // the order is on disk now; `id` completes when Redis has it (at once, or after an outage)
            return id;
        } catch (OutboxFullException e) {
            // Redis has been away long enough to fill outbox.max-entries: nothing was written, answer 503
            throw e;
        }
        // end::publish-buffered[]
    }
}
