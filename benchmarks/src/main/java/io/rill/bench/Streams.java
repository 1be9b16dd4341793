package io.rill.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;

/** Stream and group set-up shared by both benchmarks, on the harness's own connection. */
public final class Streams {

    private Streams() {
    }

    /** A string of {@code bytes} ASCII characters: the payload field every entry carries. */
    public static String payload(int bytes) {
        char[] chars = new char[bytes];
        Arrays.fill(chars, 'x');
        return new String(chars);
    }

    /** XADDs {@code entries} entries of one 100-byte-ish field, pipelined 10,000 at a time. */
    public static void fill(StatefulRedisConnection<String, String> connection, String stream, int entries, int payload) {
        RedisAsyncCommands<String, String> async = connection.async();
        Map<String, String> body = Map.of("payload", payload(payload));
        connection.setAutoFlushCommands(false);
        try {
            List<RedisFuture<?>> futures = new ArrayList<>();
            for (int i = 0; i < entries; i++) {
                futures.add(async.xadd(stream, body));
                if (futures.size() == 10_000 || i == entries - 1) {
                    connection.flushCommands();
                    if (!LettuceFutures.awaitAll(60, TimeUnit.SECONDS, futures.toArray(new RedisFuture<?>[0]))) {
                        throw new IllegalStateException("XADD to " + stream + " did not complete within 60 s");
                    }
                    futures.clear();
                }
            }
        } finally {
            connection.setAutoFlushCommands(true);
        }
    }

    /** A contender's name as part of a key or group name: letters, each other run of characters one {@code -}. */
    public static String keyPart(String name) {
        return name.replaceAll("[^A-Za-z]+", "-");
    }

    /** Creates {@code group} on {@code stream} at {@code id} (MKSTREAM). */
    public static void createGroup(StatefulRedisConnection<String, String> connection, String stream, String group, String id) {
        connection.sync().xgroupCreate(StreamOffset.from(stream, id), group, XGroupCreateArgs.Builder.mkstream());
    }

    /** Entries of the group read and not acknowledged. */
    public static long pending(StatefulRedisConnection<String, String> connection, String stream, String group) {
        return connection.sync().xpending(stream, group).getCount();
    }
}
