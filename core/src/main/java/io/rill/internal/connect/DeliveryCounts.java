package io.rill.internal.connect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Delivery counts of pending entries (ADR 0012): Rill keeps Redis's count equal to the hand-overs to a
 * handler. The read scripts of the history and claim sources undo the raise of their read in the same
 * script ({@link #UNDO_FUNCTION}); {@link #SCRIPT} raises the count when a handler gets the entry, with
 * {@code XCLAIM <id> RETRYCOUNT <n> JUSTID} for each entry still pending for this consumer (an entry
 * another consumer took meanwhile is left alone). Absolute counts: a script Lettuce re-sends after a
 * lost reply changes nothing more.
 */
public final class DeliveryCounts {

    /** KEYS[1] stream; ARGV[1] group, ARGV[2] consumer, ARGV[3..] ID, count pairs. Returns how many were set. */
    public static final String SCRIPT = """
            local n = 0
            for i = 3, #ARGV, 2 do
              local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
              if #p > 0 and p[1][2] == ARGV[2] then
                redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'RETRYCOUNT', ARGV[i + 1], 'JUSTID')
                n = n + 1
              end
            end
            return n
            """;

    /**
     * A Lua function for the read scripts: {@code undo(key, group, consumer, id)} returns the delivery
     * count the read just raised (0 when the entry is not pending) and sets it back by one, atomically
     * with the read, so that no cut or crash can leave the raise in place.
     */
    public static final String UNDO_FUNCTION = """
            local function undo(key, group, consumer, id)
              local p = redis.call('XPENDING', key, group, id, id, 1)
              if #p == 0 then return 0 end
              local d = p[1][4]
              if d > 1 and p[1][2] == consumer then
                redis.call('XCLAIM', key, group, consumer, 0, id, 'RETRYCOUNT', d - 1, 'JUSTID')
              end
              return d
            end
            """;

    private DeliveryCounts() {
    }

    /** The script's arguments for these entries of one stream (ID → count). */
    public static String[] args(String group, String consumer, Map<String, Long> counts) {
        List<String> args = new ArrayList<>(counts.size() * 2 + 2);
        args.add(group);
        args.add(consumer);
        counts.forEach((id, count) -> {
            args.add(id);
            args.add(Long.toString(count));
        });
        return args.toArray(new String[0]);
    }
}
