package io.rill.console;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.models.stream.PendingMessage;
import io.rill.Rill;
import io.rill.deadletter.DeadLetter;

/**
 * Everything the console reads from and does to Redis, with plain Redis commands so that it works on
 * streams and groups that Rill does not run. Every list is read a page at a time ({@link Cursors}): SCAN
 * with TYPE stream, XREVRANGE/XRANGE and XPENDING with COUNT; nothing reads a whole stream or a whole
 * pending entries list. Keys and field names are read as UTF-8; values as bytes.
 *
 * <p>Connections are opened on first use (an application with the console starts while Redis is down)
 * and closed by {@link #close()}; the {@link RedisClient} stays its owner's.
 */
public final class ConsoleRedis implements AutoCloseable {

    private static final long TIMEOUT_SECONDS = 10;

    /** KEYS[1] stream; ARGV[1] group, ARGV[2] consumer. -1 when the consumer has pending entries, else DELCONSUMER's reply. */
    private static final String DELETE_IDLE_CONSUMER = """
            local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
            if #p > 0 then return -1 end
            return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
            """;

    private final RedisClient client;
    private volatile StatefulRedisConnection<String, String> text;
    private volatile StatefulRedisConnection<String, byte[]> bytes;
    private volatile Rill rill;

    public ConsoleRedis(RedisClient client) {
        this.client = client;
    }

    // --- what the pages show -------------------------------------------------------------------------

    /** A stream as the overview lists it. */
    public record StreamInfo(String key, long length, String firstId, String lastId, List<String> firstFields,
            List<GroupInfo> groups, String error) {

        /** A dead-letter stream: named {@code …:dlq}, or its first entry has Rill's dead-letter fields. */
        public boolean deadLetters() {
            return key.endsWith(":dlq") || (firstFields.contains(DeadLetter.STREAM) && firstFields.contains(DeadLetter.ID));
        }
    }

    /**
     * A consumer group: {@code lag} is XINFO GROUPS' (entries not yet delivered to the group; null when
     * Redis cannot tell), {@code lagMillis} the age of the oldest of them (0 without lag, null unknown).
     */
    public record GroupInfo(String name, long consumers, long pending, String lastDeliveredId, Long lag, Long lagMillis) {
    }

    /** A consumer of a group; {@code inactiveMillis} only from Redis 7.2 on. */
    public record ConsumerInfo(String name, long pending, long idleMillis, Long inactiveMillis) {
    }

    /** A pending entry: who holds it, since when, how often it was delivered. */
    public record PendingEntry(String id, String consumer, long idleMillis, long deliveries) {
    }

    /** An entry with its fields in order, values as bytes. */
    public record Entry(String id, List<Map.Entry<String, byte[]>> fields) {

        public Optional<String> text(String field) {
            for (Map.Entry<String, byte[]> f : fields) {
                if (f.getKey().equals(field)) {
                    return Optional.of(new String(f.getValue(), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            return Optional.empty();
        }
    }

    /** A page of streams, and where the next one starts (null after the last). */
    public record StreamPage(List<StreamInfo> streams, Cursors.KeyCursor next) {
    }

    /** The server's clock, in milliseconds (entry IDs are stamped with it, so lag ages use it too). */
    public long now() {
        List<String> time = await(text().async().time());
        return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
    }

    /**
     * At least {@code size} streams from {@code cursor} on (fewer on the last page), with their groups. Keys
     * come from {@code SCAN … TYPE stream} with {@code COUNT size}, as many calls as it takes to reach
     * {@code size}; a page takes whole batches, so it may hold up to one batch more than {@code size}, and
     * the next page starts at the cursor of the last call (see {@link Cursors.KeyCursor} for why a call is
     * never repeated). {@code match} is a SCAN pattern, or null for all keys.
     */
    public StreamPage streams(Cursors.KeyCursor cursor, String match, int size, long nowMillis) {
        RedisAsyncCommands<String, String> redis = text().async();
        Set<String> keys = new TreeSet<>(); // a set: SCAN may return a key twice in a pass
        String scan = cursor.scan();
        Cursors.KeyCursor next = null;
        for (int calls = 0; next == null; calls++) {
            KeyScanArgs args = KeyScanArgs.Builder.type("stream").limit(size);
            if (match != null && !match.isBlank()) {
                args.match(match);
            }
            KeyScanCursor<String> scanned = await(redis.scan(ScanCursor.of(scan), args));
            keys.addAll(scanned.getKeys());
            if (scanned.isFinished() || "0".equals(scanned.getCursor())) {
                break;
            }
            scan = scanned.getCursor();
            if (keys.size() >= size || calls >= 200) {
                next = new Cursors.KeyCursor(scan);
            }
        }
        return new StreamPage(streamInfos(new ArrayList<>(keys), nowMillis), next);
    }

    /** One stream with its groups, or empty when the key holds no stream. */
    public Optional<StreamInfo> stream(String key, long nowMillis) {
        StreamInfo info = streamInfos(List.of(key), nowMillis).get(0);
        return info.error() == null ? Optional.of(info) : Optional.empty();
    }

    private List<StreamInfo> streamInfos(List<String> keys, long nowMillis) {
        RedisAsyncCommands<String, String> redis = text().async();
        List<RedisFuture<List<Object>>> streamReplies = new ArrayList<>();
        List<RedisFuture<List<Object>>> groupReplies = new ArrayList<>();
        for (String key : keys) {
            streamReplies.add(redis.xinfoStream(key));
            groupReplies.add(redis.xinfoGroups(key));
        }
        List<StreamInfo> out = new ArrayList<>();
        List<List<RedisFuture<List<StreamMessage<String, String>>>>> undelivered = new ArrayList<>();
        List<List<Map<String, Object>>> groupMaps = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            Map<String, Object> stream;
            List<Map<String, Object>> groups = new ArrayList<>();
            try {
                stream = Replies.map(await(streamReplies.get(i)));
                for (Object g : await(groupReplies.get(i))) {
                    groups.add(Replies.map(g));
                }
            } catch (RuntimeException e) {
                out.add(new StreamInfo(key, 0, null, null, List.of(), List.of(), String.valueOf(e.getMessage())));
                undelivered.add(List.of());
                groupMaps.add(List.of());
                continue;
            }
            // the oldest entry a group has not been given yet: its age is the group's lag in time
            List<RedisFuture<List<StreamMessage<String, String>>>> firsts = new ArrayList<>();
            for (Map<String, Object> g : groups) {
                Long lag = Replies.number(g.get("lag"));
                String last = Replies.string(g.get("last-delivered-id"));
                if ((lag == null || lag > 0) && Cursors.entryId(last).isPresent()) {
                    firsts.add(redis.xrange(key, Range.from(Range.Boundary.excluding(last), Range.Boundary.unbounded()), Limit.from(1)));
                } else {
                    firsts.add(null);
                }
            }
            undelivered.add(firsts);
            groupMaps.add(groups);
            out.add(new StreamInfo(key, orZero(Replies.number(stream.get("length"))), Replies.entryId(stream.get("first-entry")),
                    Replies.entryId(stream.get("last-entry")), Replies.entryFieldNames(stream.get("first-entry")), List.of(), null));
        }
        for (int i = 0; i < out.size(); i++) {
            StreamInfo info = out.get(i);
            if (info.error() != null) {
                continue;
            }
            List<GroupInfo> groups = new ArrayList<>();
            List<Map<String, Object>> maps = groupMaps.get(i);
            for (int j = 0; j < maps.size(); j++) {
                Map<String, Object> g = maps.get(j);
                Long lag = Replies.number(g.get("lag"));
                Long lagMillis = lag != null && lag == 0 ? Long.valueOf(0) : null;
                RedisFuture<List<StreamMessage<String, String>>> first = undelivered.get(i).get(j);
                if (first != null) {
                    List<StreamMessage<String, String>> firstEntry = await(first);
                    lagMillis = firstEntry.isEmpty() ? Long.valueOf(0)
                            : Long.valueOf(Math.max(0, nowMillis - Cursors.millis(firstEntry.get(0).getId())));
                }
                groups.add(new GroupInfo(Replies.string(g.get("name")), orZero(Replies.number(g.get("consumers"))),
                        orZero(Replies.number(g.get("pending"))), Replies.string(g.get("last-delivered-id")), lag, lagMillis));
            }
            groups.sort(Comparator.comparing(GroupInfo::name));
            out.set(i, new StreamInfo(info.key(), info.length(), info.firstId(), info.lastId(), info.firstFields(), groups, null));
        }
        return out;
    }

    /** The consumers of a group (XINFO CONSUMERS). */
    public List<ConsumerInfo> consumers(String stream, String group) {
        List<ConsumerInfo> out = new ArrayList<>();
        for (Object c : await(text().async().xinfoConsumers(stream, group))) {
            Map<String, Object> m = Replies.map(c);
            out.add(new ConsumerInfo(Replies.string(m.get("name")), orZero(Replies.number(m.get("pending"))),
                    orZero(Replies.number(m.get("idle"))), Replies.number(m.get("inactive"))));
        }
        out.sort(Comparator.comparing(ConsumerInfo::name));
        return out;
    }

    /** A page of the group's pending entries, oldest first, after {@code afterId} (exclusive; null: from the start). */
    public Cursors.Page<PendingEntry> pending(String stream, String group, String afterId, int size) {
        Range<String> range = afterId == null ? Range.create("-", "+")
                : Range.from(Range.Boundary.excluding(Cursors.entryId(afterId).orElseThrow()), Range.Boundary.unbounded());
        List<PendingEntry> read = new ArrayList<>();
        for (PendingMessage m : await(text().async().xpending(stream, group, range, Limit.from(size + 1)))) {
            read.add(new PendingEntry(m.getId(), m.getConsumer(), m.getMsSinceLastDelivery(), m.getRedeliveryCount()));
        }
        return Cursors.Page.of(read, size, PendingEntry::id);
    }

    /** A page of entries, newest first, before {@code beforeId} (exclusive; null: from the newest). */
    public Cursors.Page<Entry> entriesNewestFirst(String stream, String beforeId, int size) {
        Range<String> range = beforeId == null ? Range.create("-", "+")
                : Range.from(Range.Boundary.unbounded(), Range.Boundary.excluding(Cursors.entryId(beforeId).orElseThrow()));
        return Cursors.Page.of(entries(await(bytes().async().xrevrange(stream, range, Limit.from(size + 1)))), size, Entry::id);
    }

    /** A page of entries, oldest first, after {@code afterId} (exclusive; null: from the oldest). */
    public Cursors.Page<Entry> entriesOldestFirst(String stream, String afterId, int size) {
        Range<String> range = afterId == null ? Range.create("-", "+")
                : Range.from(Range.Boundary.excluding(Cursors.entryId(afterId).orElseThrow()), Range.Boundary.unbounded());
        return Cursors.Page.of(entries(await(bytes().async().xrange(stream, range, Limit.from(size + 1)))), size, Entry::id);
    }

    /** One entry, or empty when it is not (or no longer) in the stream. */
    public Optional<Entry> entry(String stream, String id) {
        String checked = Cursors.entryId(id).orElseThrow(() -> new IllegalArgumentException("not an entry ID: " + id));
        List<Entry> found = entries(await(bytes().async().xrange(stream, Range.create(checked, checked), Limit.from(1))));
        return found.stream().findFirst();
    }

    private static List<Entry> entries(List<StreamMessage<String, byte[]>> messages) {
        List<Entry> out = new ArrayList<>(messages.size());
        for (StreamMessage<String, byte[]> m : messages) {
            List<Map.Entry<String, byte[]>> fields = new ArrayList<>();
            if (m.getBody() != null) {
                m.getBody().forEach((k, v) -> fields.add(Map.entry(k, v == null ? new byte[0] : v)));
            }
            out.add(new Entry(m.getId(), fields));
        }
        return out;
    }

    // --- actions ------------------------------------------------------------------------------------

    /** Redrives one dead letter to its source stream (rill-core's atomic script); true when it went back. */
    public boolean redrive(String deadLetterStream, String id) {
        String checked = Cursors.entryId(id).orElseThrow(() -> new IllegalArgumentException("not an entry ID: " + id));
        return rill().deadLetters(deadLetterStream).redrive(checked, checked) > 0;
    }

    /** Redrives every dead letter of the stream; returns how many went back. */
    public long redriveAll(String deadLetterStream) {
        return rill().deadLetters(deadLetterStream).redriveAll();
    }

    /** Deletes one entry (a dead letter) from a stream; true when it was there. */
    public boolean deleteEntry(String stream, String id) {
        String checked = Cursors.entryId(id).orElseThrow(() -> new IllegalArgumentException("not an entry ID: " + id));
        return await(text().async().xdel(stream, checked)) > 0;
    }

    /**
     * Gives a pending entry to {@code consumer} (XCLAIM … JUSTID, so no delivery is counted), only when it
     * has been idle at least {@code minIdleMillis}: an entry delivered or renewed since the page showed it is
     * left where it is. True when it was claimed.
     */
    public boolean claim(String stream, String group, String id, String consumer, long minIdleMillis) {
        String checked = Cursors.entryId(id).orElseThrow(() -> new IllegalArgumentException("not an entry ID: " + id));
        XClaimArgs args = XClaimArgs.Builder.justid().minIdleTime(Math.max(0, minIdleMillis));
        return !await(text().async().xclaim(stream, io.lettuce.core.Consumer.from(group, consumer), args, checked)).isEmpty();
    }

    /** Deletes a consumer only when it has no pending entries (checked atomically); false when it has some. */
    public boolean deleteIdleConsumer(String stream, String group, String consumer) {
        Long reply = await(text().async().eval(DELETE_IDLE_CONSUMER, ScriptOutputType.INTEGER, new String[] { stream }, group, consumer));
        return reply != null && reply >= 0;
    }

    // --- plumbing -----------------------------------------------------------------------------------

    private StatefulRedisConnection<String, String> text() {
        StatefulRedisConnection<String, String> c = text;
        if (c == null) {
            synchronized (this) {
                if (text == null) {
                    text = client.connect(StringCodec.UTF8);
                }
                c = text;
            }
        }
        return c;
    }

    private StatefulRedisConnection<String, byte[]> bytes() {
        StatefulRedisConnection<String, byte[]> c = bytes;
        if (c == null) {
            synchronized (this) {
                if (bytes == null) {
                    bytes = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
                }
                c = bytes;
            }
        }
        return c;
    }

    private Rill rill() {
        Rill r = rill;
        if (r == null) {
            synchronized (this) {
                if (rill == null) {
                    rill = Rill.create(client);
                }
                r = rill;
            }
        }
        return r;
    }

    private static long orZero(Long n) {
        return n == null ? 0 : n;
    }

    private static <T> T await(RedisFuture<T> future) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Redis", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Redis did not answer within " + TIMEOUT_SECONDS + " s", e);
        }
    }

    @Override
    public synchronized void close() {
        if (rill != null) {
            rill.close();
        }
        // the client may be shut down already (the application's context stops it): a closed connection stays as it is
        if (text != null && text.isOpen()) {
            text.close();
        }
        if (bytes != null && bytes.isOpen()) {
            bytes.close();
        }
    }
}
