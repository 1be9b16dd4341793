package io.rill.micronaut.docs;

import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageBody;
import io.micronaut.messaging.annotation.MessageHeader;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;

@Requires(property = "spec.name", value = "docs")
// tag::shop[]
@RedisStreamListener(group = "shop")
class Shop {
    @Stream("orders")
    void onOrder(@MessageBody Order order, @MessageHeader("orderId") String orderId) {
        // returning normally acknowledges the entry; throwing leaves it pending
    }
}
// end::shop[]
