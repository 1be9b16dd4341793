package io.rill.janitor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.SubscriptionOptions;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.read.ReadLoopTask;

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
 * <p>Runs on the read thread between reads. A Redis error other than a lost connection is logged and
 * the pass given up until the next interval: cleanup never stops a subscription.
 */
public final class Janitor implements ReadLoopTask {

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
    private final SubscriptionMetrics metrics;
    private final String description;
    private long nextPass;

    public Janitor(SubscriptionOptions options, SubscriptionMetrics metrics, String description) {
        this.streams = options.streams();
        this.group = options.group();
        this.consumer = options.consumer();
        this.intervalNanos = options.janitor().interval().toNanos();
        this.thresholdMillis = options.janitor().inactiveThreshold().toMillis();
        this.metrics = metrics;
        this.description = description;
        this.nextPass = System.nanoTime() + intervalNanos;
    }

    @Override
    public void runIfDue(RedisCommands<String, String> commands) {
        if (System.nanoTime() - nextPass < 0) {
            return;
        }
        try {
            for (String stream : streams) {
                sweep(commands, stream);
            }
        } catch (RedisCommandExecutionException e) {
            log.warn("Janitor pass failed for {}; next try in {}: {}", description, java.time.Duration.ofNanos(intervalNanos), e.toString());
        } finally {
            nextPass = System.nanoTime() + intervalNanos;
        }
    }

    private void sweep(RedisCommands<String, String> commands, String stream) {
        for (Object element : commands.xinfoConsumers(stream, group)) {
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
            Long result = commands.eval(DELETE_IF_DEAD, ScriptOutputType.INTEGER, new String[] { stream }, group, name, field,
                    Long.toString(thresholdMillis));
            if (result != null && result == 0) {
                metrics.stream(stream).consumersDeleted(1);
                log.info("Deleted consumer '{}' of group '{}' on stream '{}': no pending entries, {} for {} ms (janitor of {})",
                        name, group, stream, field, quiet, description);
            }
        }
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
