package io.rill.testing;

import java.time.Duration;
import java.util.function.Function;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/** Test helper: run a few commands on a fresh connection and shut the client down quickly. */
final class Lettuce {

    private Lettuce() {
    }

    static <T> T with(String uri, Function<RedisCommands<String, String>, T> commands) {
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            return commands.apply(connection.sync());
        } finally {
            shutdown(client);
        }
    }

    static void shutdown(RedisClient client) {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2)); // the default quiet period costs 2 s per client
    }
}
