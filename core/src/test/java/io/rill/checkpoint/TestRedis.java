package io.rill.checkpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.lettuce.core.Limit;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.testing.RedisServer;

/** Setup and checks against a test's Redis. */
final class TestRedis implements AutoCloseable {

    final RedisClient client;
    final RedisCommands<String, String> sync;
    private final StatefulRedisConnection<String, String> connection;

    TestRedis(RedisServer server) {
        client = RedisClient.create(server.uri());
        connection = client.connect();
        sync = connection.sync();
    }

    /** XADDs {@code count} entries with a field {@code n}, pipelined; returns their IDs in order. */
    List<String> add(String stream, int count) {
        RedisAsyncCommands<String, String> async = connection.async();
        List<String> ids = new ArrayList<>(count);
        for (int from = 0; from < count; from += 10_000) {
            List<RedisFuture<String>> futures = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + 10_000); i++) {
                futures.add(async.xadd(stream, Map.of("n", Integer.toString(i))));
            }
            LettuceFutures.awaitAll(60, TimeUnit.SECONDS, futures.toArray(new RedisFuture[0]));
            for (RedisFuture<String> f : futures) {
                ids.add(f.resultNow());
            }
        }
        return ids;
    }

    long pending(String stream, String group) {
        return sync.xpending(stream, group).getCount();
    }

    /** The pending IDs of one consumer (up to 100,000). */
    Set<String> pendingIds(String stream, String group, String consumer) {
        return sync.xpending(stream, io.lettuce.core.Consumer.from(group, consumer), Range.create("-", "+"),
                Limit.from(100_000)).stream().map(m -> m.getId()).collect(Collectors.toSet());
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
