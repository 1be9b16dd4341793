package io.rill.micronaut.docs;

import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageBody;
import io.rill.micronaut.annotation.ErrorPolicy;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;

@Requires(property = "spec.name", value = "docs")
// tag::error-policy[]
@RedisStreamListener(group = "payments")
class Payments {
    @Stream("orders")
    @ErrorPolicy(maxAttempts = "4", delay = "200ms", maxDelay = "2s",
            nonRetryable = IllegalArgumentException.class) // never retried: dead-lettered at once
    void onOrder(@MessageBody Order order) {
        // charge the card; an exception is retried, up to 4 calls in this delivery
    }
}
// end::error-policy[]
