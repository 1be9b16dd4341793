package io.rill.examples.plain.migration;

import java.time.Duration;
import java.util.Map;

import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.stream.StreamMessageListenerContainer;
import org.springframework.data.redis.stream.StreamMessageListenerContainer.StreamMessageListenerContainerOptions;
import org.springframework.data.redis.stream.StreamMessageListenerContainer.StreamReadRequest;

import io.lettuce.core.RedisClient;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;

/**
 * docs/migration-spring-data-redis.md: one consumer of group {@code billing} on stream {@code orders},
 * written with Spring Data Redis's StreamMessageListenerContainer and with Rill. Both run in
 * {@code SpringToRillTest}.
 */
final class SpringToRill {

    private SpringToRill() {
    }

    interface Billing {
        void bill(Map<String, String> order);
    }

    /** The running container and its connections. */
    record Spring(StreamMessageListenerContainer<String, MapRecord<String, String, String>> container,
            LettuceConnectionFactory factory) {

        /**
         * Stops the container and closes its connections: stop() alone leaves a blocked XREADGROUP running
         * for up to pollTimeout, which can still take new entries into the consumer's pending list.
         */
        void stop() {
            container.stop();
            factory.destroy();
        }
    }

    static Spring spring(String host, int port, Billing billing) {
        // tag::spring[]
        LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port));
        factory.afterPropertiesSet();
        StringRedisTemplate redis = new StringRedisTemplate(factory);
        try {
            // the container does not create groups
            redis.opsForStream().createGroup("orders", ReadOffset.from("0"), "billing");
        } catch (RedisSystemException e) {
            // BUSYGROUP: it exists already
        }
        StreamMessageListenerContainerOptions<String, MapRecord<String, String, String>> options =
                StreamMessageListenerContainerOptions.builder()
                        .batchSize(100)                      // COUNT per XREADGROUP
                        .pollTimeout(Duration.ofSeconds(2))  // BLOCK
                        .build();
        StreamMessageListenerContainer<String, MapRecord<String, String, String>> container =
                StreamMessageListenerContainer.create(factory, options);
        container.register(StreamReadRequest.builder(StreamOffset.create("orders", ReadOffset.lastConsumed()))
                        .consumer(Consumer.from("billing", "billing-1"))
                        .autoAcknowledge(false)
                        .cancelOnError(error -> false)       // default true: the first exception ends the subscription
                        .build(),
                message -> {
                    billing.bill(message.getValue());
                    redis.opsForStream().acknowledge("billing", message); // one XACK round trip per entry
                });
        container.start();
        // end::spring[]
        return new Spring(container, factory);
    }

    static Rill rill(String uri, Billing billing) {
        // tag::rill[]
        RedisClient client = RedisClient.create(uri);
        Rill rill = Rill.create(client);
        Subscription subscription = rill.subscribe(SubscriptionOptions.builder()
                .streams("orders")
                .group("billing")                      // created if missing (auto-create)
                .consumer("billing-1")
                .startPosition(StartPosition.EARLIEST) // a new group starts at 0, like ReadOffset.from("0")
                .batchSize(100)                        // COUNT per XREADGROUP
                .blockTimeout(Duration.ofSeconds(2))   // BLOCK
                .build(), entry -> billing.bill(entry.fields())); // acked after it returns, XACKs batched
        // end::rill[]
        return rill;
    }
}
