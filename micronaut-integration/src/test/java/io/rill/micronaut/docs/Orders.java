package io.rill.micronaut.docs;

import java.util.Map;

import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageHeader;
import io.rill.micronaut.annotation.RedisStreamClient;
import io.rill.micronaut.annotation.Stream;

@Requires(property = "spec.name", value = "docs")
// tag::client[]
@RedisStreamClient // connection = "other" for redis.servers.other
interface Orders {
    @Stream("orders")
    String send(Order order, @MessageHeader("tenant") String tenant); // returns the entry ID

    @Stream(value = "audit", maxLen = "100000") // XADD ... MAXLEN ~ 100000
    void record(Map<String, String> fields);
}
// end::client[]
