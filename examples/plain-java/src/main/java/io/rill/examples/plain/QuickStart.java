package io.rill.examples.plain;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.testing.RedisServer;

/**
 * The README's quick start: consume a stream in a consumer group with rill-core alone. Uses the Redis
 * named by REDIS_URI, else starts a throwaway one.
 */
public final class QuickStart {

    public static void main(String[] args) throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            System.out.println("Using Redis at " + redis.uri());
            run(redis.uri());
        }
    }

    static void run(String uri) throws Exception {
        RedisClient client = RedisClient.create(uri);
        // some work to do
        try (var connection = client.connect()) {
            for (int i = 1; i <= 10; i++) {
                connection.sync().xadd("orders", Map.of("orderId", "o-" + i, "amount", i + ".00"));
            }
        }

        CountDownLatch done = new CountDownLatch(10);
        // tag::quick-start[]
        Rill rill = Rill.create(client);
        SubscriptionOptions options = SubscriptionOptions.builder()
                .streams("orders")
                .group("billing")
                .consumer("billing-1")
                .startPosition(StartPosition.EARLIEST) // a new group starts at the beginning of the stream
                .build();
        Subscription subscription = rill.subscribe(options, entry -> {
            System.out.println("billing " + entry.field("orderId") + " for " + entry.field("amount"));
            done.countDown(); // returning normally acks the entry; throwing leaves it pending
        });
        // end::quick-start[]

        done.await(30, TimeUnit.SECONDS);
        System.out.println("subscription " + subscription.id() + " is " + subscription.state());
        rill.close(Duration.ofSeconds(10)); // graceful: in-flight handlers finish, acks are flushed
        client.shutdown();
    }
}
