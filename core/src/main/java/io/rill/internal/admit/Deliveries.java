package io.rill.internal.admit;

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
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;
import io.rill.internal.connect.DeliveryCounts;
import io.rill.internal.settle.Settler;

/**
 * Delivery and failure counts of entries that arrive again (history read, claim), and the undoing of
 * the raise such a read gives them (ADR 0012).
 *
 * <p>XREADGROUP and XAUTOCLAIM do not report delivery counts (before Redis 8.4), so this consumer's PEL
 * is asked with XPENDING over the ID range of the batch: one command per stream and batch, more only
 * when other entries pending here fall inside the range. Failure counts come from the settlement's
 * records. A {@code >} read needs none of this: its entries are first deliveries that never failed.
 *
 * <p>Every history read and claim raises the PEL's count of what it returns, whether or not a handler
 * ever gets the entry (it may still be in flight here, or wait behind one that kills the process). Rill
 * counts hand-overs instead: the admission sets the count back at once, and the settlement raises it
 * right before a handler gets the entry.
 */
final class Deliveries {

    private static final int MIN_PAGE = 100;

    private final Map<String, Map<String, long[]>> byStream;

    private Deliveries(Map<String, Map<String, long[]>> byStream) {
        this.byStream = byStream;
    }

    /** The delivery count Redis reports now, or 0 when the entry is no longer pending here. */
    long deliveries(String stream, String id) {
        long[] counts = counts(stream, id);
        return counts == null ? 0 : counts[0];
    }

    /** Failed attempts recorded for the entry. */
    long failures(String stream, String id) {
        long[] counts = counts(stream, id);
        return counts == null ? 0 : counts[1];
    }

    private long[] counts(String stream, String id) {
        Map<String, long[]> counts = byStream.get(stream);
        return counts == null ? null : counts.get(id);
    }

    /** Asks Redis for the counts of these entries, pending for {@code consumer}. */
    static Deliveries fetch(RedisCommands<String, String> commands, Consumer<String> consumer,
            List<StreamMessage<String, String>> messages, Settler settler) {
        Map<String, List<String>> idsByStream = new LinkedHashMap<>();
        for (StreamMessage<String, String> message : messages) {
            idsByStream.computeIfAbsent(message.getStream(), s -> new ArrayList<>()).add(message.getId());
        }
        Map<String, Map<String, long[]>> counts = new HashMap<>();
        idsByStream.forEach((stream, ids) -> {
            Map<String, Long> delivered = pending(commands, consumer, stream, ids);
            long[] failed = settler.failureCounts(commands, stream, ids);
            Map<String, long[]> ofStream = new HashMap<>(ids.size() * 2);
            for (int i = 0; i < ids.size(); i++) {
                ofStream.put(ids.get(i), new long[] { delivered.getOrDefault(ids.get(i), 0L), failed[i] });
            }
            counts.put(stream, ofStream);
        });
        return new Deliveries(counts);
    }

    /** Sets the delivery counts of these entries (stream → ID → count), where they are still pending here. */
    static void set(RedisCommands<String, String> commands, Consumer<String> consumer, Map<String, Map<String, Long>> counts) {
        counts.forEach((stream, ids) -> commands.eval(DeliveryCounts.SCRIPT, ScriptOutputType.INTEGER, new String[] { stream },
                DeliveryCounts.args(consumer.getGroup(), consumer.getName(), ids)));
    }

    private static Map<String, Long> pending(RedisCommands<String, String> commands, Consumer<String> consumer,
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
