package io.rill.internal.read;

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
 * This consumer's own pending entries (semantics 3): XREADGROUP from ID {@code 0}, cursor carried per
 * stream, until a stream returns fewer than COUNT. Never with BLOCK: Redis ignores BLOCK for history
 * reads, which would make it a hot loop. Each drain starts over from {@code 0}.
 *
 * <p>The read is a script that also reports each entry's delivery count and sets back the raise the
 * read gave it, in one atomic step (ADR 0012): a re-read is not a delivery, and no cut between the read
 * and the repair can make it one.
 */
public final class HistorySource implements Source {

    /**
     * KEYS streams; ARGV[1] group, ARGV[2] consumer, ARGV[3] COUNT, ARGV[4..] a cursor per stream.
     * Returns per stream {stream, {{id, fields or nil}...}, {count...}}.
     */
    private static final String READ = DeliveryCounts.UNDO_FUNCTION + """
            local out = {}
            for i = 1, #KEYS do
              local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3], 'STREAMS', KEYS[i], ARGV[3 + i])
              if r and r[1] then
                local entries = r[1][2]
                local counts = {}
                for j, e in ipairs(entries) do counts[j] = undo(KEYS[i], ARGV[1], ARGV[2], e[1]) end
                out[#out + 1] = {KEYS[i], entries, counts}
              end
            end
            return out
            """;

    private final List<String> streams;
    private final String group;
    private final String consumer;
    private final Map<String, String> cursors = new LinkedHashMap<>();
    private boolean draining;

    public HistorySource(SubscriptionOptions options) {
        this.streams = options.streams();
        this.group = options.group();
        this.consumer = options.consumer();
    }

    @Override
    public void reset() {
        draining = false;
    }

    @Override
    public Batch next(RedisCommands<String, byte[]> commands, int count) {
        if (!draining) {
            draining = true;
            cursors.clear();
            for (String stream : streams) {
                cursors.put(stream, "0");
            }
        }
        if (cursors.isEmpty()) {
            draining = false; // exhausted: the next call starts a new drain
            return null;
        }
        String[] keys = cursors.keySet().toArray(new String[0]);
        // script arguments are values, so bytes on this connection (see EntryCodec)
        byte[][] args = new byte[3 + keys.length][];
        args[0] = EntryCodec.utf8(group);
        args[1] = EntryCodec.utf8(consumer);
        args[2] = EntryCodec.utf8(Integer.toString(count));
        for (int i = 0; i < keys.length; i++) {
            args[3 + i] = EntryCodec.utf8(cursors.get(keys[i]));
        }
        List<Object> reply = commands.eval(READ, ScriptOutputType.MULTI, keys, args);
        List<StreamMessage<String, byte[]>> messages = new ArrayList<>();
        List<Long> deliveries = new ArrayList<>();
        Map<String, Integer> returned = new LinkedHashMap<>();
        for (Object perStream : reply) {
            List<?> part = (List<?>) perStream;
            String stream = EntryCodec.text(part.get(0));
            Entries.decode(stream, (List<?>) part.get(1), (List<?>) part.get(2), messages, deliveries);
            returned.put(stream, ((List<?>) part.get(1)).size());
        }
        for (StreamMessage<String, byte[]> message : messages) {
            cursors.put(message.getStream(), message.getId());
        }
        // fewer than COUNT back means that stream's pending list is exhausted
        cursors.keySet().removeIf(stream -> returned.getOrDefault(stream, 0) < count);
        return new Batch(Origin.HISTORY, messages, deliveries, null, List.of());
    }
}
