package io.rill.micronaut.docs;

import java.io.File;

import io.lettuce.core.RedisClient;
import io.lettuce.core.SslOptions;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;

// Loaded by TlsConnectionTest only (spec.name), which runs a context over a TLS redis-server with it.
@Requires(property = "spec.name", value = "TlsConnectionTest")
// tag::tls[]
@Singleton
@Requires(property = "app.redis.truststore")
class RedisTls implements BeanCreatedEventListener<RedisClient> {
    private final File truststore;
    private final String password;

    RedisTls(@Value("${app.redis.truststore}") File truststore, @Value("${app.redis.truststore-password}") String password) {
        this.truststore = truststore;
        this.password = password;
    }

    @Override
    public RedisClient onCreated(BeanCreatedEvent<RedisClient> event) {
        // every RedisClient micronaut-redis makes (redis.uri, redis.servers.*) trusts the CA in this truststore
        RedisClient client = event.getBean();
        client.setOptions(client.getOptions().mutate()
                .sslOptions(SslOptions.builder().jdkSslProvider().truststore(truststore, password).build())
                .build());
        return client;
    }
}
// end::tls[]
