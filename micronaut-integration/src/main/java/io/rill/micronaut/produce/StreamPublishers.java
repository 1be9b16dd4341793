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
import io.micronaut.serde.ObjectMapper;
import io.rill.micronaut.StreamPublisher;
import io.rill.micronaut.bind.BodyCodec;
import io.rill.micronaut.config.RillConfiguration;
import io.rill.micronaut.connect.RedisConnections;
import io.rill.tracing.Tracing;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

/**
 * One {@link StreamPublisher} per micronaut-redis server, made on first use and closed with the context;
 * exposed as beans (primary, and {@code @Named} per {@code redis.servers} entry) and used by {@code @SendTo}
 * and {@code @RedisStreamClient}.
 */
@Factory
public class StreamPublishers {

    private final RedisConnections connections;
    private final BodyCodec codec;
    private final Tracing tracing;
    private final Map<String, StreamPublisher> publishers = new ConcurrentHashMap<>();

    public StreamPublishers(RedisConnections connections, ObjectMapper mapper, RillConfiguration configuration,
            @Nullable Tracing tracing) {
        this.connections = connections;
        this.tracing = tracing != null ? tracing : Tracing.off();
        this.codec = new BodyCodec(mapper, configuration.getBodyField());
    }

    /** The codec bodies are read and written with. */
    public BodyCodec codec() {
        return codec;
    }

    /**
     * The publisher of a connection: {@code ""} for the primary server (micronaut-redis's cluster client when
     * {@code redis.uris} is set), else a {@code redis.servers} name.
     */
    public StreamPublisher of(String connection) {
        return publishers.computeIfAbsent(connection, c -> connections.isCluster(c)
                ? new StreamPublisher(connections.clusterClient(), codec, tracing)
                : new StreamPublisher(connections.client(c), codec, tracing));
    }

    @Singleton
    @Primary
    @Requires(beans = DefaultRedisConfiguration.class)
    StreamPublisher primaryPublisher() {
        return of("");
    }

    @EachBean(NamedRedisServersConfiguration.class)
    StreamPublisher namedPublisher(NamedRedisServersConfiguration server) {
        return of(server.getName());
    }

    @PreDestroy
    void close() {
        publishers.values().forEach(StreamPublisher::close);
        publishers.clear();
    }
}
