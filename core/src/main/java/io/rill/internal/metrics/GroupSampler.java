package io.rill.internal.metrics;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
import io.rill.metrics.SubscriptionMetrics;

/**
 * Reads the group's state in Redis for the gauges of {@link Meters} (lag in entries and by age, pending
 * entries of this consumer and of the group, the age of the oldest pending one): every
 * {@link SubscriptionMetrics#SAMPLE_INTERVAL_SECONDS} seconds, one script per stream on the command
 * connection, never on the path of an entry and never waiting for Redis on the shared timer's thread.
 * Ages come from the entries' IDs (the time Redis added them) against this machine's clock.
 */
public final class GroupSampler {

    private static final Logger log = LoggerFactory.getLogger(GroupSampler.class);

    /** The most entries counted by hand when Redis reports no lag (a deleted entry in the range, Redis before 7). */
    static final int MAX_COUNTED_LAG = 100_000;

    /**
     * KEYS[1] stream; ARGV[1] group, ARGV[2] consumer, ARGV[3] most entries to count when Redis has no lag.
     * Returns {-1} when the stream or group is missing, else {lag, first undelivered ID or nil, pending in the
     * group, oldest pending ID or nil, pending of the consumer}.
     */
    private static final String SAMPLE = """
            local groups = redis.pcall('XINFO', 'GROUPS', KEYS[1])
            if groups['err'] then return {-1} end
            local g
            for _, e in ipairs(groups) do
              local f = {}
              for i = 1, #e, 2 do f[e[i]] = e[i + 1] end
              if f['name'] == ARGV[1] then g = f end
            end
            if not g then return {-1} end
            local after = '(' .. g['last-delivered-id']
            local lag = g['lag']
            if not lag then lag = #redis.call('XRANGE', KEYS[1], after, '+', 'COUNT', ARGV[3]) end
            local first = redis.call('XRANGE', KEYS[1], after, '+', 'COUNT', 1)
            local p = redis.call('XPENDING', KEYS[1], ARGV[1])
            local mine = 0
            if p[4] then
              for _, c in ipairs(p[4]) do if c[1] == ARGV[2] then mine = tonumber(c[2]) end end
            end
            return {lag, first[1] and first[1][1] or false, p[1], p[2] or false, mine}
            """;

    private final List<String> streams;
    private final String group;
    private final String consumer;
    private final CommandConnection connection;
    private final Meters metrics;
    private final ScheduledExecutorService timer;
    private final String description;
    private final AtomicBoolean idle = new AtomicBoolean(true);
    private volatile ScheduledFuture<?> ticker;
    private volatile boolean failing;

    public GroupSampler(SubscriptionOptions options, CommandConnection connection, Meters metrics,
            ScheduledExecutorService timer, String description) {
        this.streams = options.streams();
        this.group = options.group();
        this.consumer = options.consumer();
        this.connection = connection;
        this.metrics = metrics;
        this.timer = timer;
        this.description = description;
    }

    public void start() {
        ticker = timer.scheduleWithFixedDelay(this::sample, 0, SubscriptionMetrics.SAMPLE_INTERVAL_SECONDS, TimeUnit.SECONDS);
    }

    /** Stops sampling; a sample under way still updates the gauges. */
    public void stop() {
        ScheduledFuture<?> t = ticker;
        if (t != null) {
            t.cancel(false);
        }
    }

    private void sample() {
        RedisAsyncCommands<String, String> commands;
        try {
            commands = connection.asyncIfConnected();
        } catch (RuntimeException e) {
            failed(e); // never out of the timer's task: that would end the sampling for good
            return;
        }
        if (commands == null || !idle.compareAndSet(true, false)) {
            return; // not connected (a connect was started), or the last sample still waits for Redis
        }
        int[] left = { streams.size() };
        for (String stream : streams) {
            CompletionStage<List<Object>> reply;
            try {
                reply = commands.eval(SAMPLE, ScriptOutputType.MULTI, new String[] { stream }, group, consumer,
                        Integer.toString(MAX_COUNTED_LAG));
            } catch (RuntimeException e) {
                reply = CompletableFuture.failedFuture(e);
            }
            reply.whenComplete((values, error) -> {
                try {
                    if (error != null) {
                        failed(error);
                    } else {
                        record(stream, values, System.currentTimeMillis());
                    }
                } catch (RuntimeException e) {
                    failed(e); // a reply of an unexpected shape: the gauges keep their last values
                } finally {
                    synchronized (left) {
                        if (--left[0] == 0) {
                            idle.set(true);
                        }
                    }
                }
            });
        }
    }

    void record(String stream, List<Object> reply, long nowMillis) {
        if (failing) {
            failing = false;
            log.info("Group gauges sampled again for {}", description);
        }
        long lag = (Long) reply.get(0);
        if (lag < 0) {
            metrics.stream(stream).sampled(0, 0, 0, 0, 0); // no stream or group yet: nothing behind, nothing pending
            return;
        }
        metrics.stream(stream).sampled(lag, age((String) reply.get(1), nowMillis), (Long) reply.get(4),
                (Long) reply.get(2), age((String) reply.get(3), nowMillis));
    }

    /** How long ago Redis added the entry of this ID; 0 for none (or an ID from the future). */
    static long age(String id, long nowMillis) {
        if (id == null) {
            return 0;
        }
        int dash = id.indexOf('-');
        long added = Long.parseLong(dash < 0 ? id : id.substring(0, dash));
        return Math.max(0, nowMillis - added);
    }

    private void failed(Throwable error) {
        if (!failing) {
            failing = true;
            log.warn("Could not sample the group gauges (lag, pending) for {}; they keep their last values: {}",
                    description, error.toString());
        }
    }
}
