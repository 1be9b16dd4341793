package io.rill.internal.reclaim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.rill.SubscriptionOptions;
import io.rill.internal.admit.Source;

/**
 * Stale pending entries of the group (semantics 6): every {@code reclaim.interval}, XAUTOCLAIM with
 * {@code reclaim.min-idle}, COUNT lowered to the free in-flight capacity. The cursor is carried from
 * call to call, and from pass to pass, until Redis answers {@code 0-0}: each call examines at most
 * COUNT × 10 PEL entries, so restarting from {@code 0-0} would never reach the tail of a large PEL.
 * IDs XAUTOCLAIM reports deleted (trimmed under the PEL) come back with the batch.
 *
 * <p>A pass ends when every stream's scan reached {@code 0-0}, or after one block-timeout of work (the
 * next pass follows right after the next read of new entries, so reads are not starved).
 */
public final class ClaimSource implements Source {

    private static final String START = "0-0";

    private final List<String> streams;
    private final Consumer<String> consumer;
    private final long minIdleMillis;
    private final int count;
    private final long intervalNanos;
    private final long budgetNanos;
    private final Map<String, String> cursors = new LinkedHashMap<>();
    private long nextPass = System.nanoTime(); // the first pass runs at once
    private long passDeadline;
    private int stream = -1; // index of the stream being scanned; -1 between passes

    public ClaimSource(SubscriptionOptions options) {
        this.streams = options.streams();
        this.consumer = Consumer.from(options.group(), options.consumer());
        this.minIdleMillis = options.reclaim().minIdle().toMillis();
        this.count = options.reclaim().count();
        this.intervalNanos = options.reclaim().interval().toNanos();
        this.budgetNanos = options.blockTimeout().toNanos();
        for (String s : streams) {
            cursors.put(s, START);
        }
    }

    @Override
    public Batch next(RedisCommands<String, String> commands, int free) {
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
        Claimed claimed = autoclaim(commands, key, cursors.get(key), Math.min(count, free));
        cursors.put(key, claimed.next());
        if (START.equals(claimed.next())) {
            stream++; // this stream's PEL is scanned; the next pass starts it over
            if (stream == streams.size()) {
                stream = -1;
                nextPass = System.nanoTime() + intervalNanos;
            }
        }
        return new Batch(Origin.CLAIM, claimed.entries(), key, claimed.deleted());
    }

    /** XAUTOCLAIM, decoded here: Lettuce's reply type drops the deleted-IDs list (Redis 7.0+). */
    private Claimed autoclaim(RedisCommands<String, String> commands, String key, String cursor, int n) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).addKey(key).add(consumer.getGroup())
                .add(consumer.getName()).add(minIdleMillis).add(cursor).add("COUNT").add(n);
        List<Object> reply = commands.dispatch(CommandType.XAUTOCLAIM, new NestedMultiOutput<>(StringCodec.UTF8), args);
        String next = (String) reply.get(0);
        List<StreamMessage<String, String>> entries = new ArrayList<>();
        for (Object element : (List<?>) reply.get(1)) {
            List<?> entry = (List<?>) element;
            String id = (String) entry.get(0);
            Object body = entry.size() > 1 ? entry.get(1) : null;
            Map<String, String> fields = new LinkedHashMap<>();
            if (body instanceof List<?> pairs) {
                for (int i = 0; i + 1 < pairs.size(); i += 2) {
                    fields.put((String) pairs.get(i), (String) pairs.get(i + 1));
                }
            }
            // a nil body (an entry deleted under the PEL, before Redis 7.0 reported those apart) stays empty
            entries.add(new StreamMessage<>(key, id, fields));
        }
        List<String> deleted = new ArrayList<>();
        if (reply.size() > 2 && reply.get(2) instanceof List<?> ids) {
            for (Object id : ids) {
                deleted.add((String) id);
            }
        }
        return new Claimed(next, entries, deleted);
    }

    private record Claimed(String next, List<StreamMessage<String, String>> entries, List<String> deleted) {
    }
}
