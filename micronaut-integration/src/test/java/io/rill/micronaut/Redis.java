package io.rill.micronaut;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;
import io.rill.testing.RedisServer;

/** A test's own view of a Redis server: writes entries and reads what the module did. */
final class Redis implements AutoCloseable {

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    final RedisCommands<String, String> commands;

    Redis(RedisServer server) {
        this(server.uri());
    }

    Redis(String uri) {
        client = RedisClient.create(uri);
        connection = client.connect();
        commands = connection.sync();
    }

    /** XADD with fields given as name, value, name, value... */
    String add(String stream, String... fieldsAndValues) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            fields.put(fieldsAndValues[i], fieldsAndValues[i + 1]);
        }
        return commands.xadd(stream, fields);
    }

    /** XADDs {@code count} entries with a field {@code n} = 0, 1, ..., pipelined; returns their IDs. */
    @SuppressWarnings("rawtypes")
    List<String> addMany(String stream, int count) {
        var async = connection.async();
        List<RedisFuture<String>> futures = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            futures.add(async.xadd(stream, Map.of("n", Integer.toString(i))));
        }
        LettuceFutures.awaitAll(30, TimeUnit.SECONDS, futures.toArray(new RedisFuture[0]));
        return futures.stream().map(RedisFuture::resultNow).toList();
    }

    /** The IDs pending in the group (all consumers). */
    Set<String> pending(String stream, String group) {
        Set<String> ids = new TreeSet<>();
        if (commands.exists(stream) == 0) {
            return ids;
        }
        for (PendingMessage p : commands.xpending(stream, group, Range.create("-", "+"), Limit.from(100_000))) {
            ids.add(p.getId());
        }
        return ids;
    }

    /** True when the group exists on the stream and nothing of it is pending. */
    boolean allAcked(String stream, String group) {
        return groups(stream).contains(group) && commands.xpending(stream, group).getCount() == 0;
    }

    List<String> groups(String stream) {
        List<String> names = new ArrayList<>();
        if (commands.exists(stream) == 0) {
            return names;
        }
        for (Object group : commands.xinfoGroups(stream)) {
            // RESP2 answers a flat name/value list per group, RESP3 a map
            if (group instanceof Map<?, ?> info) {
                names.add(String.valueOf(info.get("name")));
            } else if (group instanceof List<?> info) {
                for (int i = 0; i + 1 < info.size(); i += 2) {
                    if ("name".equals(String.valueOf(info.get(i)))) {
                        names.add(String.valueOf(info.get(i + 1)));
                    }
                }
            }
        }
        return names;
    }

    List<StreamMessage<String, String>> entries(String stream) {
        return commands.xrange(stream, Range.create("-", "+"));
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
