package io.rill.read;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;

/**
 * How many times Redis delivered each entry of a read or a claim. XREADGROUP and XAUTOCLAIM do not say
 * (before Redis 8.4), so for history reads and claims this consumer's PEL is asked with XPENDING over
 * the ID range of the batch: one command per stream and batch, more only when other entries pending
 * here fall inside the range. A {@code >} read needs none of this: its entries are first deliveries.
 */
public final class DeliveryCounts {

    /** For entries of a {@code >} read: every one is a first delivery. */
    public static final DeliveryCounts FIRST = new DeliveryCounts(null);

    private static final int MIN_PAGE = 100;

    private final Map<String, Map<String, Long>> byStream;

    private DeliveryCounts(Map<String, Map<String, Long>> byStream) {
        this.byStream = byStream;
    }

    /** The delivery count of an entry, or 0 when Redis did not report it (no longer pending here). */
    public long of(String stream, String id) {
        if (byStream == null) {
            return 1;
        }
        Map<String, Long> counts = byStream.get(stream);
        Long count = counts == null ? null : counts.get(id);
        return count == null ? 0 : count;
    }

    /** Asks Redis for the delivery counts of these entries, pending for {@code consumer}. */
    public static DeliveryCounts fetch(RedisCommands<String, String> commands, Consumer<String> consumer,
            List<StreamMessage<String, String>> messages) {
        Map<String, List<String>> idsByStream = new LinkedHashMap<>();
        for (StreamMessage<String, String> message : messages) {
            idsByStream.computeIfAbsent(message.getStream(), s -> new ArrayList<>()).add(message.getId());
        }
        Map<String, Map<String, Long>> counts = new HashMap<>();
        idsByStream.forEach((stream, ids) -> counts.put(stream, fetch(commands, consumer, stream, ids)));
        return new DeliveryCounts(counts);
    }

    private static Map<String, Long> fetch(RedisCommands<String, String> commands, Consumer<String> consumer,
            String stream, List<String> ids) {
        Set<String> wanted = new HashSet<>(ids);
        String first = ids.get(0);
        String last = ids.get(0);
        for (String id : ids) {
            if (compare(id, first) < 0) {
                first = id;
            }
            if (compare(id, last) > 0) {
                last = id;
            }
        }
        Map<String, Long> counts = new HashMap<>(ids.size() * 2);
        Range.Boundary<String> from = Range.Boundary.including(first);
        while (counts.size() < wanted.size()) {
            int page = Math.max(MIN_PAGE, wanted.size() - counts.size());
            List<PendingMessage> pending = commands.xpending(stream, consumer,
                    Range.from(from, Range.Boundary.including(last)), Limit.from(page));
            for (PendingMessage p : pending) {
                if (wanted.contains(p.getId())) {
                    counts.put(p.getId(), p.getRedeliveryCount());
                }
            }
            if (pending.size() < page) {
                break; // the range is exhausted: what is missing is no longer pending here
            }
            from = Range.Boundary.excluding(pending.get(pending.size() - 1).getId());
        }
        return counts;
    }

    /** Orders stream IDs ({@code ms-seq}) numerically. */
    static int compare(String a, String b) {
        int da = a.indexOf('-');
        int db = b.indexOf('-');
        int c = Long.compareUnsigned(Long.parseUnsignedLong(a.substring(0, da)), Long.parseUnsignedLong(b.substring(0, db)));
        return c != 0 ? c
                : Long.compareUnsigned(Long.parseUnsignedLong(a.substring(da + 1)), Long.parseUnsignedLong(b.substring(db + 1)));
    }
}
