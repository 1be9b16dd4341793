package io.rill.console;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;

/**
 * Samples, every {@code rill.console.sample-interval}, the lag of the groups on the streams the console
 * showed within the last {@code lag-window}, so that their charts go on while nobody looks. At most
 * {@value #MAX_STREAMS} streams; nothing else is scanned.
 */
@Context
@Requires(bean = ConsoleConfiguration.class)
final class LagSampler implements AutoCloseable {

    static final int MAX_STREAMS = 200;
    private static final Logger log = LoggerFactory.getLogger(LagSampler.class);

    private final ConsoleRedis redis;
    private final LagHistory history;
    private final ScheduledExecutorService timer;

    LagSampler(ConsoleConfiguration configuration, ConsoleRedis redis, LagHistory history) {
        this.redis = redis;
        this.history = history;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("rill-console-lag").daemon().unstarted(r));
        long every = Math.max(1000, configuration.getSampleInterval().toMillis());
        timer.scheduleWithFixedDelay(this::sample, every, every, TimeUnit.MILLISECONDS);
    }

    void sample() {
        try {
            long at = System.currentTimeMillis();
            history.expire(at);
            Set<String> streams = new LinkedHashSet<>();
            for (String[] g : history.groups()) {
                if (streams.size() < MAX_STREAMS) {
                    streams.add(g[0]);
                }
            }
            if (streams.isEmpty()) {
                return;
            }
            long now = redis.now();
            for (String key : streams) {
                redis.stream(key, now).ifPresent(s -> s.groups().forEach(g -> {
                    if (g.lag() != null) {
                        history.record(key, g.name(), at, g.lag());
                    }
                }));
            }
        } catch (RuntimeException e) {
            log.debug("Lag sample failed", e);
        }
    }

    @Override
    @PreDestroy
    public void close() {
        timer.shutdownNow();
    }
}
