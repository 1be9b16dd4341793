package io.rill.internal.connect;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;

/**
 * Opens connections for the runtime. Standalone servers through a {@link RedisClient} today; a cluster
 * connector implements the same contract.
 */
@FunctionalInterface
public interface RedisConnector {

    /** Opens a new connection; throws when Redis can't be reached. */
    StatefulRedisConnection<String, String> connect();

    static RedisConnector of(RedisClient client) {
        return () -> client.connect(StringCodec.UTF8);
    }
}
