package io.rill.micronaut.produce;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micronaut.configuration.lettuce.DefaultRedisConfiguration;
import io.micronaut.configuration.lettuce.NamedRedisServersConfiguration;
import io.micronaut.context.annotation.EachBean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Primary;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.rill.ProducerOptions;
import io.rill.micronaut.IdempotentStreamPublisher;
import io.rill.micronaut.config.ProducerConfiguration;
import io.rill.micronaut.connect.RedisConnections;
import io.rill.publish.Producer;
import io.rill.tracing.Tracing;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

/**
 * One {@link IdempotentStreamPublisher} per micronaut-redis server, made on first use (with an outbox: its
 * directory claimed then) and closed with the context, which sends what waits in the outbox for a while
 * before leaving the rest in its journal.
 */
@Factory
public class IdempotentPublishers {

    private final RedisConnections connections;
    private final StreamPublishers publishers;
    private final ProducerOptions options;
    private final Tracing tracing;
    private final Map<String, IdempotentStreamPublisher> made = new ConcurrentHashMap<>();

    public IdempotentPublishers(RedisConnections connections, StreamPublishers publishers,
            ProducerConfiguration configuration, @Nullable Tracing tracing) {
        this.connections = connections;
        this.publishers = publishers;
        this.options = configuration.options();
        this.tracing = tracing != null ? tracing : Tracing.off();
    }

    /** The publisher of a connection: {@code ""} for the primary server, else a {@code redis.servers} name. */
    public IdempotentStreamPublisher of(String connection) {
        return made.computeIfAbsent(connection, c -> {
            ProducerOptions own = c.isEmpty() || !options.outbox().enabled() ? options
                    : options.toBuilder().outbox(options.outbox().toBuilder()
                            .identity(options.outbox().identity() + "-" + c).build()).build();
            Producer producer = Producer.builder(connections.client(c)).options(own).tracing(tracing).build();
            return new IdempotentStreamPublisher(producer, publishers.codec());
        });
    }

    @Singleton
    @Primary
    @Requires(beans = DefaultRedisConfiguration.class)
    IdempotentStreamPublisher primaryIdempotentPublisher() {
        return of("");
    }

    @EachBean(NamedRedisServersConfiguration.class)
    IdempotentStreamPublisher namedIdempotentPublisher(NamedRedisServersConfiguration server) {
        return of(server.getName());
    }

    @PreDestroy
    void close() {
        made.values().forEach(IdempotentStreamPublisher::close);
        made.clear();
    }
}
