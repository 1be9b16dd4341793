package io.rill.internal.settle;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.DeadLetterOptions;
import io.rill.StreamEntry;
import io.rill.deadletter.DeadLetter;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.connect.SlotKeys;
import io.rill.internal.connect.WideCall;

/**
 * The Redis side of failures and dead letters (semantics 7). Failed attempts are counted in one hash
 * per stream and group, in the stream's hash slot ({@link #key}); a record is written only when a
 * handler fails and removed with the entry's ack or its move, and the hash expires
 * {@code dead-letter.failure-ttl} after the last failure it recorded, so the happy path never touches it.
 *
 * <p>Recording a failure and moving the entry to its dead-letter stream are one script, atomic: it
 * checks that the entry is still pending, counts the failure (once per token, so that Lettuce
 * re-sending the script after a lost reply does not count it twice), and when the count reaches the
 * threshold copies the entry from the stream server-side, byte for byte and however many fields it has
 * ({@link WideCall}), into the dead-letter stream with the metadata, XACKs it and removes its record.
 * Redis writes a script's effects to the AOF and replicas wrapped in MULTI/EXEC, so a crash keeps all
 * of it or none.
 */
public final class FailureLedger {

    /**
     * KEYS[1] stream, KEYS[2] failure records, KEYS[3] dead-letter stream; ARGV[1] group, ARGV[2] consumer,
     * ARGV[3] entry ID, ARGV[4] token of this failure ('' to count nothing), ARGV[5] threshold (0 never move,
     * -1 move now), ARGV[6] TTL of the records in s, ARGV[7] MAXLEN of the dead-letter stream (0 none),
     * ARGV[8..] metadata name/value pairs. A record is "count token".
     * Returns {status, failures, deliveries}; status: see {@link Status}.
     */
    private static final String FAIL = WideCall.FUNCTION + """
            local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
            if #p == 0 then return {0, 0, 0} end
            local n, last = 0, ''
            local rec = redis.call('HGET', KEYS[2], ARGV[3])
            if rec then
              local sp = string.find(rec, ' ', 1, true)
              if sp then
                n = tonumber(string.sub(rec, 1, sp - 1)) or 0
                last = string.sub(rec, sp + 1)
              else
                n = tonumber(rec) or 0
              end
            end
            if ARGV[4] ~= '' and ARGV[4] ~= last then
              n = n + 1
              redis.call('HSET', KEYS[2], ARGV[3], n .. ' ' .. ARGV[4])
              redis.call('EXPIRE', KEYS[2], ARGV[6])
            end
            if p[1][2] ~= ARGV[2] then return {-1, n, p[1][4]} end
            local t = tonumber(ARGV[5])
            if t == 0 or (t > 0 and n < t) then return {2, n, p[1][4]} end
            local e = redis.call('XRANGE', KEYS[1], ARGV[3], ARGV[3])
            if #e > 0 then
              local add = {'XADD', KEYS[3]}
              if ARGV[7] ~= '0' then
                add[#add + 1] = 'MAXLEN'
                add[#add + 1] = '~'
                add[#add + 1] = ARGV[7]
              end
              add[#add + 1] = '*'
              local body = e[1][2]
              for i = 1, #body do add[#add + 1] = body[i] end
              for i = 8, #ARGV do add[#add + 1] = ARGV[i] end
              add[#add + 1] = 'rill.failures'
              add[#add + 1] = tostring(n)
              add[#add + 1] = 'rill.deliveries'
              add[#add + 1] = tostring(p[1][4])
              call_wide(add)
            end
            redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
            redis.call('HDEL', KEYS[2], ARGV[3])
            if #e == 0 then return {3, n, p[1][4]} end
            return {1, n, p[1][4]}
            """;

    /** What the script did. */
    public enum Status {
        /** The entry was no longer pending (acked or moved already): nothing counted. */
        GONE,
        /** Pending for another consumer: the failure was counted, the entry left to that consumer. */
        HELD_ELSEWHERE,
        /** The failure was counted; the entry stays pending. */
        COUNTED,
        /** Moved to the dead-letter stream and acked. */
        MOVED,
        /** Deleted from the stream under the PEL: acked, nothing to move. */
        TRIMMED
    }

    /** The script's answer. */
    public record Result(Status status, long failures, long deliveries) {
    }

    /** Error messages longer than this are cut, so one huge message cannot bloat the dead-letter stream. */
    static final int MAX_MESSAGE_LENGTH = 4096;
    /** Tokens start with a per-process random part, so that two processes never share one. */
    private static final String TOKEN_PREFIX = Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-";
    private static final AtomicLong TOKENS = new AtomicLong();

    private final DeadLetterOptions options;
    private final String group;
    private final String consumer;
    private final String ttlSeconds;
    private final String maxLength;
    private final CommandConnection connection;

    public FailureLedger(DeadLetterOptions options, String group, String consumer, CommandConnection connection) {
        this.options = options;
        this.group = group;
        this.consumer = consumer;
        this.ttlSeconds = Long.toString(Math.max(1, options.failureTtl().toSeconds()));
        this.maxLength = Long.toString(options.maxLength());
        this.connection = connection;
    }

    /** The failure records of one stream and group, in the stream's hash slot. */
    public static String key(String stream, String group) {
        return SlotKeys.prefix(stream) + ":rill:failures:" + group;
    }

    /**
     * Records one failed attempt and moves the entry when the count reaches {@code threshold}
     * ({@link DeliveryPolicy#NOW}: now; {@link DeliveryPolicy#NEVER}: never).
     */
    public CompletableFuture<Result> fail(StreamEntry entry, int threshold, String reason, Throwable error) {
        return run(entry, TOKEN_PREFIX + TOKENS.incrementAndGet(), threshold, reason, error);
    }

    /** Moves the entry without counting a failure, when the count reaches {@code threshold}. */
    public CompletableFuture<Result> move(StreamEntry entry, int threshold, String reason) {
        return run(entry, "", threshold, reason, null);
    }

    private CompletableFuture<Result> run(StreamEntry entry, String token, int threshold, String reason, Throwable error) {
        String stream = entry.stream();
        List<String> args = new ArrayList<>(24);
        args.add(group);
        args.add(consumer);
        args.add(entry.id());
        args.add(token);
        args.add(Integer.toString(threshold));
        args.add(ttlSeconds);
        args.add(maxLength);
        add(args, DeadLetter.STREAM, stream);
        add(args, DeadLetter.ID, entry.id());
        add(args, DeadLetter.GROUP, group);
        add(args, DeadLetter.CONSUMER, consumer);
        add(args, DeadLetter.REASON, reason);
        if (error != null) {
            add(args, DeadLetter.ERROR, error.getClass().getName());
            String message = String.valueOf(error.getMessage());
            add(args, DeadLetter.MESSAGE, message.length() > MAX_MESSAGE_LENGTH ? message.substring(0, MAX_MESSAGE_LENGTH) : message);
        }
        add(args, DeadLetter.TIME, Instant.now().toString());
        String[] keys = { stream, key(stream, group), options.streamFor(stream) };
        try {
            return connection.async().<List<Object>> eval(FAIL, ScriptOutputType.MULTI, keys, args.toArray(new String[0]))
                    .toCompletableFuture().thenApply(FailureLedger::result);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Result result(List<Object> reply) {
        long code = (Long) reply.get(0);
        Status status = switch ((int) code) {
            case 0 -> Status.GONE;
            case -1 -> Status.HELD_ELSEWHERE;
            case 2 -> Status.COUNTED;
            case 1 -> Status.MOVED;
            case 3 -> Status.TRIMMED;
            default -> throw new IllegalStateException("unexpected reply from the failure script: " + reply);
        };
        return new Result(status, (Long) reply.get(1), (Long) reply.get(2));
    }

    private static void add(List<String> args, String name, String value) {
        args.add(name);
        args.add(value);
    }

    /**
     * The failure counts of these entries of one stream (0 for none), read on the given connection.
     * Only entries that arrive again (history read, claim) need this: a first delivery never failed.
     */
    public long[] counts(RedisCommands<String, byte[]> commands, String stream, List<String> ids) {
        long[] counts = new long[ids.size()];
        List<KeyValue<String, byte[]>> values = commands.hmget(key(stream, group), ids.toArray(new String[0]));
        for (int i = 0; i < values.size() && i < counts.length; i++) {
            KeyValue<String, byte[]> value = values.get(i);
            counts[i] = value.hasValue() ? count(new String(value.getValue(), StandardCharsets.US_ASCII)) : 0;
        }
        return counts;
    }

    /** The count of a record ({@code "count token"}). */
    static long count(String record) {
        int space = record.indexOf(' ');
        try {
            return Long.parseLong(space < 0 ? record : record.substring(0, space));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Removes the records of entries acked without a failure verdict; async, best effort (the hash expires anyway). */
    public void forget(String stream, List<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        try {
            connection.async().hdel(key(stream, group), ids.toArray(new String[0]));
        } catch (RuntimeException e) {
            // the records expire with the hash
        }
    }
}
