package io.rill.internal.reclaim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.SubscriptionOptions;
import io.rill.internal.admit.Entries;
import io.rill.internal.admit.Source;
import io.rill.internal.connect.DeliveryCounts;
import io.rill.internal.connect.EntryCodec;

/**
 * Stale pending entries of the group (semantics 6): every {@code reclaim.interval}, XAUTOCLAIM with
 * {@code reclaim.min-idle}, COUNT lowered to the free in-flight capacity. The cursor is carried from
 * call to call, and from pass to pass, until Redis answers {@code 0-0}: each call examines at most
 * COUNT × 10 PEL entries, so restarting from {@code 0-0} would never reach the tail of a large PEL.
 * IDs XAUTOCLAIM reports deleted (trimmed under the PEL) come back with the batch.
 *
 * <p>The claim is a script that also reports each entry's delivery count and sets back the raise the
 * claim gave it, atomically (ADR 0012): the count rises when a handler gets the entry, not before.
 *
 * <p>A pass ends when every stream's scan reached {@code 0-0}, or after one block-timeout of work (the
 * next pass follows right after the next read of new entries, so reads are not starved).
 */
public final class ClaimSource implements Source {

    private static final String START = "0-0";

    /**
     * KEYS[1] stream; ARGV[1] group, ARGV[2] consumer, ARGV[3] min-idle ms, ARGV[4] cursor, ARGV[5] COUNT.
     * Returns {next cursor, {{id, fields or nil}...}, {deleted id...}, {count...}}.
     */
    private static final String CLAIM = DeliveryCounts.UNDO_FUNCTION + """
            local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
            local counts = {}
            for j, e in ipairs(r[2]) do counts[j] = undo(KEYS[1], ARGV[1], ARGV[2], e[1]) end
            return {r[1], r[2], r[3] or {}, counts}
            """;

    private final List<String> streams;
    private final String group;
    private final String consumer;
    private final String minIdleMillis;
    private final int count;
    private final long intervalNanos;
    private final long budgetNanos;
    private final Map<String, String> cursors = new LinkedHashMap<>();
    private long nextPass = System.nanoTime(); // the first pass runs at once
    private long passDeadline;
    private int stream = -1; // index of the stream being scanned; -1 between passes

    public ClaimSource(SubscriptionOptions options) {
        this.streams = options.streams();
        this.group = options.group();
        this.consumer = options.consumer();
        this.minIdleMillis = Long.toString(options.reclaim().minIdle().toMillis());
        this.count = options.reclaim().count();
        this.intervalNanos = options.reclaim().interval().toNanos();
        this.budgetNanos = options.blockTimeout().toNanos();
        for (String s : streams) {
            cursors.put(s, START);
        }
    }

    @Override
    public boolean due() {
        return stream >= 0 || System.nanoTime() - nextPass >= 0;
    }

    @Override
    public Batch next(RedisCommands<String, byte[]> commands, int free) {
        long now = System.nanoTime();
        if (stream < 0) {
            if (now - nextPass < 0) {
                return null;
            }
            stream = 0;
            passDeadline = now + budgetNanos;
        } else if (now - passDeadline > 0) {
            // out of time: the rest of the pass follows right after the next read
            stream = -1;
            nextPass = now;
            return null;
        }
        String key = streams.get(stream);
        // script arguments and the reply's bulk strings are bytes on this connection (see EntryCodec)
        List<Object> reply = commands.eval(CLAIM, ScriptOutputType.MULTI, new String[] { key }, EntryCodec.utf8(group),
                EntryCodec.utf8(consumer), EntryCodec.utf8(minIdleMillis), EntryCodec.utf8(cursors.get(key)),
                EntryCodec.utf8(Integer.toString(Math.min(count, free))));
        String next = EntryCodec.text(reply.get(0));
        List<StreamMessage<String, byte[]>> messages = new ArrayList<>();
        List<Long> deliveries = new ArrayList<>();
        Entries.decode(key, (List<?>) reply.get(1), (List<?>) reply.get(3), messages, deliveries);
        List<String> deleted = new ArrayList<>();
        for (Object id : (List<?>) reply.get(2)) {
            deleted.add(EntryCodec.text(id));
        }
        cursors.put(key, next);
        if (START.equals(next)) {
            stream++; // this stream's PEL is scanned; the next pass starts it over
            if (stream == streams.size()) {
                stream = -1;
                nextPass = System.nanoTime() + intervalNanos;
            }
        }
        return new Batch(Origin.CLAIM, messages, deliveries, key, deleted);
    }
}
