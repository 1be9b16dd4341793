package io.rill.internal.janitor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.rill.SubscriptionOptions;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.metrics.Meters;

/**
 * Deletes dead consumers of the group: every {@code janitor.interval}, for each stream, the consumers
 * other than this one that have no pending entries and have been inactive longer than
 * {@code janitor.inactive-threshold}. Inactivity is XINFO CONSUMERS {@code inactive} (time since the last
 * successful read or claim) where the server reports it (Redis 7.2+), else {@code idle} (time since the
 * last attempt). The server's version is told by the reply itself, so a failover to another version
 * is followed.
 *
 * <p>XGROUP DELCONSUMER drops the consumer's pending entries with it, where no one can claim them any
 * more. So the check and the delete are one atomic script: a consumer that read entries between the
 * listing and the delete is left alone. Deleting a live consumer that merely had nothing to do is
 * harmless: it has nothing pending, and its next read creates it again.
 *
 * <p>Started by the shared timer, on the command connection, without waiting for Redis on the timer's
 * thread. A Redis error is logged and the pass given up until the next interval: cleanup never stops a
 * subscription.
 */
public final class Janitor {

    private static final Logger log = LoggerFactory.getLogger(Janitor.class);

    /**
     * KEYS[1] stream; ARGV[1] group, ARGV[2] consumer to delete, ARGV[3] inactivity field, ARGV[4] threshold ms.
     * Returns 0 (deleted), -1 (kept: pending entries or active), -2 (no such consumer).
     */
    private static final String DELETE_IF_DEAD = """
            local consumers = redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
            for _, c in ipairs(consumers) do
              local f = {}
              for i = 1, #c, 2 do f[c[i]] = c[i + 1] end
              if f['name'] == ARGV[2] then
                local quiet = f[ARGV[3]]
                if quiet == nil or quiet < 0 then quiet = f['idle'] end
                if f['pending'] ~= 0 or quiet <= tonumber(ARGV[4]) then return -1 end
                return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
              end
            end
            return -2
            """;

    private final List<String> streams;
    private final String group;
    private final String consumer;
    private final long intervalNanos;
    private final long thresholdMillis;
    private final Meters metrics;
    private final String description;
    private final CommandConnection connection;
    private final ScheduledExecutorService timer;
    private volatile ScheduledFuture<?> ticker;
    private final AtomicBoolean idle = new AtomicBoolean(true);

    public Janitor(SubscriptionOptions options, CommandConnection connection, ScheduledExecutorService timer, Meters metrics,
            String description) {
        this.connection = connection;
        this.timer = timer;
        this.streams = options.streams();
        this.group = options.group();
        this.consumer = options.consumer();
        this.intervalNanos = options.janitor().interval().toNanos();
        this.thresholdMillis = options.janitor().inactiveThreshold().toMillis();
        this.metrics = metrics;
        this.description = description;
    }

    public void start() {
        ticker = timer.scheduleWithFixedDelay(this::pass, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /** Stops the passes; a pass under way finishes. */
    public void stop() {
        ScheduledFuture<?> t = ticker;
        if (t != null) {
            t.cancel(false);
        }
    }

    /** One pass over every stream, asynchronous: the timer thread is shared and never waits for Redis. */
    private void pass() {
        if (!idle.compareAndSet(true, false)) {
            return; // the last pass is still waiting for Redis: don't pile up
        }
        CompletableFuture<Void> passDone = CompletableFuture.completedFuture(null);
        try {
            RedisAsyncCommands<String, String> commands = connection.async();
            for (String stream : streams) {
                passDone = passDone.thenCompose(done -> sweep(commands, stream));
            }
        } catch (RuntimeException e) {
            passDone = CompletableFuture.failedFuture(e);
        }
        passDone.whenComplete((done, error) -> {
            idle.set(true);
            if (error != null) {
                log.warn("Janitor pass failed for {}; next try in {}: {}", description, Duration.ofNanos(intervalNanos),
                        String.valueOf(error instanceof CompletionException ? error.getCause() : error));
            }
        });
    }

    private CompletableFuture<Void> sweep(RedisAsyncCommands<String, String> commands, String stream) {
        return commands.xinfoConsumers(stream, group).toCompletableFuture().thenCompose(consumers -> {
            List<CompletableFuture<Void>> deletes = new ArrayList<>();
            for (Object element : consumers) {
                Map<String, Object> info = fields((List<?>) element);
                String name = String.valueOf(info.get("name"));
                if (name.equals(consumer) || number(info.get("pending")) != 0) {
                    continue;
                }
                // 7.2+ reports inactive (-1: never read anything), older servers only idle
                String field = info.containsKey("inactive") && number(info.get("inactive")) >= 0 ? "inactive" : "idle";
                long quiet = number(info.get(field));
                if (quiet <= thresholdMillis) {
                    continue;
                }
                deletes.add(commands.<Long> eval(DELETE_IF_DEAD, ScriptOutputType.INTEGER, new String[] { stream }, group,
                        name, field, Long.toString(thresholdMillis)).toCompletableFuture().thenAccept(result -> {
                            if (result != null && result == 0) {
                                metrics.stream(stream).consumersDeleted(1);
                                log.info("Deleted consumer '{}' of group '{}' on stream '{}': no pending entries, {} for {} ms "
                                        + "(janitor of {})", name, group, stream, field, quiet, description);
                            }
                        }));
            }
            return CompletableFuture.allOf(deletes.toArray(new CompletableFuture<?>[0]));
        });
    }

    private static Map<String, Object> fields(List<?> pairs) {
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            map.put(String.valueOf(pairs.get(i)), pairs.get(i + 1));
        }
        return map;
    }

    private static long number(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(String.valueOf(value));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
