package io.rill.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.lettuce.core.Consumer;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;
import io.rill.testing.RedisServer;

/**
 * A test's view of a Redis: a client for the code under test, and sync commands for setup and checks.
 * Public for the tests of other packages (the checkpoint tests sit beside the package-private journal).
 */
public final class Fixture implements AutoCloseable {

    public final RedisClient client;
    public final RedisCommands<String, String> redis;
    private final StatefulRedisConnection<String, String> connection;

    public Fixture(String uri) {
        client = RedisClient.create(uri);
        connection = client.connect();
        redis = connection.sync();
    }

    public Fixture(RedisServer server) {
        this(server.uri());
    }

    /** A key no other test uses, so tests can share a server. */
    static String unique(String name) {
        return name + ":" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * XADDs {@code count} entries with fields {@code n} (0-based sequence) plus the given ones, pipelined
     * in chunks of 10,000 so that a large load does not wait on one huge batch of futures.
     */
    public List<String> add(String stream, int count, Map<String, String> extra) {
        RedisAsyncCommands<String, String> async = connection.async();
        List<String> ids = new ArrayList<>(count);
        for (int from = 0; from < count; from += 10_000) {
            List<RedisFuture<String>> futures = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + 10_000); i++) {
                Map<String, String> body = new java.util.LinkedHashMap<>();
                body.put("n", Integer.toString(i));
                body.putAll(extra);
                futures.add(async.xadd(stream, body));
            }
            LettuceFutures.awaitAll(60, TimeUnit.SECONDS, futures.toArray(new RedisFuture[0]));
            for (RedisFuture<String> f : futures) {
                ids.add(f.resultNow());
            }
        }
        return ids;
    }

    public List<String> add(String stream, int count) {
        return add(stream, count, Map.of());
    }

    /**
     * Pending entries of the group on the stream (all consumers); -1 while the group does not exist yet
     * (a subscription creates it when it starts), so that no count a test waits for matches too early.
     */
    public long pending(String stream, String group) {
        try {
            return redis.xpending(stream, group).getCount();
        } catch (RedisCommandExecutionException e) {
            if (String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
                return -1;
            }
            throw e;
        }
    }

    /** The pending IDs of one consumer (up to 100,000). */
    public Set<String> pendingIds(String stream, String group, String consumer) {
        return redis.xpending(stream, Consumer.from(group, consumer), Range.create("-", "+"), Limit.from(100_000))
                .stream().map(PendingMessage::getId).collect(Collectors.toSet());
    }

    /** XREADGROUP calls the server has executed so far. */
    long xreadgroupCalls() {
        return calls("xreadgroup");
    }

    /** Calls of one command (lower case) the server has executed so far. */
    long calls(String command) {
        String prefix = "cmdstat_" + command + ":calls=";
        for (String line : redis.info("commandstats").split("\r?\n")) {
            if (line.startsWith(prefix)) {
                // the line goes on with rejected_calls= and failed_calls=: take the first number only
                return Long.parseLong(line.substring(prefix.length(), line.indexOf(',', prefix.length())));
            }
        }
        return 0;
    }

    /** True when a client of the server is blocked in XREADGROUP (the reader waiting on {@code >}). */
    boolean readerBlocked() {
        for (String line : redis.clientList().split("\n")) {
            if (line.contains("cmd=xreadgroup") && line.matches(".*flags=\\S*b.*")) {
                return true;
            }
        }
        return false;
    }

    /** Lines of the test log (slf4j-simple writes it, see the surefire configuration) that contain every part. */
    public static long logLines(String... parts) throws IOException {
        Path log = Path.of(System.getProperty("org.slf4j.simpleLogger.logFile", "target/rill-test.log"));
        if (!Files.exists(log)) {
            return 0;
        }
        try (var lines = Files.lines(log)) {
            return lines.filter(l -> {
                for (String p : parts) {
                    if (!l.contains(p)) {
                        return false;
                    }
                }
                return true;
            }).count();
        }
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
