package io.rill.reclaim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.rill.SubscriptionOptions;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.read.DeliveryCounts;
import io.rill.read.Intake;
import io.rill.read.ReadLoopTask;
import io.rill.window.InFlightWindow;

/**
 * Takes over stale pending entries of the group (semantics 6): every {@code reclaim.interval}, XAUTOCLAIM
 * with {@code reclaim.min-idle}, COUNT lowered to the free in-flight capacity. The cursor is carried from
 * call to call, and from pass to pass, until Redis answers {@code 0-0}: each call examines at most
 * COUNT × 10 PEL entries, so restarting from {@code 0-0} would never reach the tail of a large PEL.
 * Claimed entries get their delivery counts (XPENDING) and enter through the {@link Intake}, like read
 * ones: same window, Dispatcher, ordering and in-flight limit. IDs XAUTOCLAIM reports deleted (trimmed
 * under the PEL) are counted as trimmed; Redis has already removed them from the PEL.
 *
 * <p>Runs on the read thread between reads. A pass ends when every stream's scan reached {@code 0-0},
 * when the window is full (the cursor waits for the next interval), or after one block-timeout of
 * work (the next pass follows right after the next read, so reads are not starved).
 */
public final class Reclaimer implements ReadLoopTask {

    private static final Logger log = LoggerFactory.getLogger(Reclaimer.class);
    private static final String START = "0-0";

    private final List<String> streams;
    private final Consumer<String> consumer;
    private final long minIdleMillis;
    private final int count;
    private final long intervalNanos;
    private final long budgetNanos;
    private final InFlightWindow window;
    private final Intake intake;
    private final SubscriptionMetrics metrics;
    private final String description;
    private final Map<String, String> cursors = new LinkedHashMap<>();
    private long nextPass = System.nanoTime(); // the first pass runs at once

    public Reclaimer(SubscriptionOptions options, InFlightWindow window, Intake intake, SubscriptionMetrics metrics,
            String description) {
        this.streams = options.streams();
        this.consumer = Consumer.from(options.group(), options.consumer());
        this.minIdleMillis = options.reclaim().minIdle().toMillis();
        this.count = options.reclaim().count();
        this.intervalNanos = options.reclaim().interval().toNanos();
        this.budgetNanos = options.blockTimeout().toNanos();
        this.window = window;
        this.intake = intake;
        this.metrics = metrics;
        this.description = description;
        for (String stream : streams) {
            cursors.put(stream, START);
        }
    }

    @Override
    public void runIfDue(RedisCommands<String, String> commands) {
        long now = System.nanoTime();
        if (now - nextPass < 0) {
            return;
        }
        boolean unfinished;
        window.watchReleases(); // an own entry acked while its claim is on the way is not admitted again
        try {
            unfinished = pass(commands, now + budgetNanos);
        } finally {
            window.stopWatchingReleases();
        }
        nextPass = unfinished ? System.nanoTime() : System.nanoTime() + intervalNanos;
    }

    /** One pass over every stream; true when the time budget ran out with work left. */
    private boolean pass(RedisCommands<String, String> commands, long deadline) {
        int claimed = 0;
        try {
            for (String stream : streams) {
                while (true) {
                    int free = window.free();
                    if (free == 0) {
                        return false; // the window is full: reclaiming now would exceed max-in-flight
                    }
                    String cursor = cursors.get(stream);
                    Claimed result = autoclaim(commands, stream, cursor, Math.min(count, free));
                    cursors.put(stream, result.next);
                    if (!result.deleted.isEmpty()) {
                        metrics.stream(stream).trimmed(result.deleted.size());
                    }
                    if (!result.entries.isEmpty()) {
                        claimed += intake.accept(result.entries, DeliveryCounts.fetch(commands, consumer, result.entries),
                                Intake.Source.CLAIM);
                    }
                    if (START.equals(result.next)) {
                        break; // this stream's PEL is scanned; the next pass starts it over
                    }
                    if (System.nanoTime() - deadline > 0) {
                        return true;
                    }
                }
            }
            return false;
        } finally {
            if (claimed > 0) {
                log.debug("Reclaimed {} stale entries for {}", claimed, description);
            }
        }
    }

    /** XAUTOCLAIM, decoded here: Lettuce's reply type drops the deleted-IDs list (Redis 7.0+). */
    private Claimed autoclaim(RedisCommands<String, String> commands, String stream, String cursor, int n) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).addKey(stream).add(consumer.getGroup())
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
            entries.add(new StreamMessage<>(stream, id, fields));
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
