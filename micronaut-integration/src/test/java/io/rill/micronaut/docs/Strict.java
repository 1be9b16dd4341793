package io.rill.micronaut.docs;

import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageBody;
import io.micronaut.messaging.annotation.MessageHeader;
import io.rill.micronaut.RedisStreamListenerException;
import io.rill.micronaut.RedisStreamListenerExceptionHandler;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;

@Requires(property = "spec.name", value = "docs")
// tag::strict[]
@RedisStreamListener(group = "strict")
class Strict implements RedisStreamListenerExceptionHandler {
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
// end::strict[]
