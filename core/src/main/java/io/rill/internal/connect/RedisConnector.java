package io.rill.internal.connect;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;

/**
 * Opens connections for the runtime. Standalone servers through a {@link RedisClient} today; a cluster
 * connector implements the same contract. The command connection uses UTF-8 strings throughout; read
 * connections use {@link EntryCodec}, so that entry values arrive as the bytes Redis holds.
 */
@FunctionalInterface
public interface RedisConnector {

    /** Opens a new connection with this codec; throws when Redis can't be reached. */
    <V> StatefulRedisConnection<String, V> connect(RedisCodec<String, V> codec);

    static RedisConnector of(RedisClient client) {
        return client::connect;
    }
}
