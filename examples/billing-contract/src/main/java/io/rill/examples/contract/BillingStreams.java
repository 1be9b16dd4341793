package io.rill.examples.contract;

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

/** A billing test's own view of the order streams: writes orders, reads invoices and dead letters. */
public final class BillingStreams implements AutoCloseable {

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> redis;

    public BillingStreams(String uri) {
        client = RedisClient.create(uri);
        connection = client.connect();
        redis = connection.sync();
    }

    /** XADD orders with fields given as name, value, ...; returns the entry's ID. */
    public String order(String... fieldsAndValues) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            fields.put(fieldsAndValues[i], fieldsAndValues[i + 1]);
        }
        return redis.xadd("orders", fields);
    }

    /** The fields of every entry of a stream, oldest first, in the order they were written. */
    public List<Map<String, String>> entries(String stream) {
        List<Map<String, String>> all = new ArrayList<>();
        for (StreamMessage<String, String> m : redis.xrange(stream, Range.create("-", "+"))) {
            all.add(m.getBody());
        }
        return all;
    }

    /** The invoices of these orders, oldest first. */
    public List<Map<String, String>> invoicesFor(String... orderIds) {
        List<String> wanted = List.of(orderIds);
        List<Map<String, String>> found = new ArrayList<>();
        for (Map<String, String> invoice : entries("invoices")) {
            if (wanted.contains(invoice.get("orderId"))) {
                found.add(invoice);
            }
        }
        return found;
    }

    /** Entries of group {@code billing} pending on {@code orders}; 0 while the stream does not exist. */
    public long pending() {
        return redis.exists("orders") == 0 ? 0 : redis.xpending("orders", "billing").getCount();
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
