package io.rill.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Consumer;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;

/**
 * A test's own view of a Redis server: a client to hand to the code under test, sync commands for setup
 * and checks, and helpers that write entries and read back what the code did.
 */
public final class RedisFixture implements AutoCloseable {

    /** Pipelined XADDs are awaited in chunks, so a large load does not wait on one huge batch of futures. */
    private static final int CHUNK = 10_000;

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> commands;

    /** Connects to the server. */
    public RedisFixture(RedisServer server) {
        this(server.uri());
    }

    /** Connects to the server at {@code uri}, e.g. a {@link TcpProxy}'s. */
    public RedisFixture(String uri) {
        client = RedisClient.create(uri);
        connection = client.connect();
        commands = connection.sync();
    }

    /** A key no other test uses, so that tests can share a server. */
    public static String unique(String name) {
        return name + ":" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The client, for the code under test (it opens its own connections). */
    public RedisClient client() {
        return client;
    }

    /** Sync commands on this fixture's connection, for setup and checks. */
    public RedisCommands<String, String> commands() {
        return commands;
    }

    /** XADD of one entry with fields given as name, value, name, value...; returns its ID. */
    public String add(String stream, String... fieldsAndValues) {
        if (fieldsAndValues.length == 0 || fieldsAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("fields come as name, value pairs: " + List.of(fieldsAndValues));
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            fields.put(fieldsAndValues[i], fieldsAndValues[i + 1]);
        }
        return commands.xadd(stream, fields);
    }

    /** XADDs {@code count} entries with a field {@code n} = 0, 1, ..., pipelined; returns their IDs in order. */
    public List<String> add(String stream, int count) {
        return add(stream, count, Map.of());
    }

    /** {@link #add(String, int)} with {@code extra} fields after {@code n} in every entry. */
    @SuppressWarnings("rawtypes")
    public List<String> add(String stream, int count, Map<String, String> extra) {
        RedisAsyncCommands<String, String> async = connection.async();
        List<String> ids = new ArrayList<>(count);
        for (int from = 0; from < count; from += CHUNK) {
            List<RedisFuture<String>> futures = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + CHUNK); i++) {
                Map<String, String> body = new LinkedHashMap<>();
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

    /** All entries of the stream, oldest first. */
    public List<StreamMessage<String, String>> entries(String stream) {
        return commands.xrange(stream, Range.create("-", "+"));
    }

    /**
     * How many entries of the group are pending (all consumers); -1 while the group does not exist (a
     * subscription creates it when it starts), so that no count a test waits for matches too early.
     */
    public long pending(String stream, String group) {
        try {
            return commands.xpending(stream, group).getCount();
        } catch (RedisCommandExecutionException e) {
            if (String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
                return -1;
            }
            throw e;
        }
    }

    /** The IDs pending in the group (all consumers, up to 100,000); empty while the stream does not exist. */
    public Set<String> pendingIds(String stream, String group) {
        Set<String> ids = new TreeSet<>();
        if (commands.exists(stream) == 0) {
            return ids;
        }
        for (PendingMessage p : commands.xpending(stream, group, Range.create("-", "+"), Limit.from(100_000))) {
            ids.add(p.getId());
        }
        return ids;
    }

    /** The IDs pending for one consumer of the group (up to 100,000). */
    public Set<String> pendingIds(String stream, String group, String consumer) {
        Set<String> ids = new TreeSet<>();
        for (PendingMessage p : commands.xpending(stream, Consumer.from(group, consumer), Range.create("-", "+"),
                Limit.from(100_000))) {
            ids.add(p.getId());
        }
        return ids;
    }

    /** True when the group exists on the stream and nothing of it is pending. */
    public boolean allAcked(String stream, String group) {
        return groups(stream).contains(group) && commands.xpending(stream, group).getCount() == 0;
    }

    /** Names of the stream's consumer groups; empty while the stream does not exist. */
    public List<String> groups(String stream) {
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

    /** Calls of one command (lower case, e.g. {@code xautoclaim}) the server has executed so far. */
    public long calls(String command) {
        String prefix = "cmdstat_" + command + ":calls=";
        for (String line : commands.info("commandstats").split("\r?\n")) {
            if (line.startsWith(prefix)) {
                // the line goes on with rejected_calls= and failed_calls=: take the first number only
                return Long.parseLong(line.substring(prefix.length(), line.indexOf(',', prefix.length())));
            }
        }
        return 0;
    }

    /** XREADGROUP calls the server has executed so far. */
    public long xreadgroupCalls() {
        return calls("xreadgroup");
    }

    /** True when a client of the server is blocked in XREADGROUP (a reader waiting on {@code >}). */
    public boolean readerBlocked() {
        for (String line : commands.clientList().split("\n")) {
            if (line.contains("cmd=xreadgroup") && line.matches(".*flags=\\S*b.*")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Lines of the test log that contain every part. The log is the file slf4j-simple writes to, named by
     * the system property {@code org.slf4j.simpleLogger.logFile} (the modules' surefire configuration sets it).
     */
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

    /** Closes the connection and shuts the client down without the default quiet period (2 s per client). */
    @Override
    public void close() {
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
