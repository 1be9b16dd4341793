package io.rill.examples.orders;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/** The tests' own view of the order streams: writes orders, reads invoices and dead letters. */
final class OrderStreams implements AutoCloseable {

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    final RedisCommands<String, String> redis;

    OrderStreams(String uri) {
        client = RedisClient.create(uri);
        connection = client.connect();
        redis = connection.sync();
    }

    /** XADD orders with fields given as name, value, ... */
    String order(String... fieldsAndValues) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            fields.put(fieldsAndValues[i], fieldsAndValues[i + 1]);
        }
        return redis.xadd("orders", fields);
    }

    /** The fields of every entry of a stream, oldest first, in the order they were written. */
    List<Map<String, String>> entries(String stream) {
        List<Map<String, String>> all = new ArrayList<>();
        for (StreamMessage<String, String> m : redis.xrange(stream, Range.create("-", "+"))) {
            all.add(m.getBody());
        }
        return all;
    }

    long pending() {
        return redis.exists("orders") == 0 ? 0 : redis.xpending("orders", "billing").getCount();
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
