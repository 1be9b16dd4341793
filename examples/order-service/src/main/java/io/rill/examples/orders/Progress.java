package io.rill.examples.orders;

import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.scheduling.annotation.Scheduled;
import io.rill.metrics.SubscriptionMetrics;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

/**
 * Demo mode's progress line, once a second: what this instance produced, handled, acknowledged and
 * dead-lettered (its Rill meters), what the group has pending (XPENDING), and the handling rate.
 */
@Singleton
@Requires(property = "demo.enabled", value = "true")
public class Progress {

    private static final Logger log = LoggerFactory.getLogger(Progress.class);

    private final DemoOrders orders;
    private final MeterRegistry meters;
    private final RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private long lastHandled;
    private long lastNanos;

    Progress(DemoOrders orders, MeterRegistry meters, RedisClient client) {
        this.orders = orders;
        this.meters = meters;
        this.client = client;
        this.lastNanos = orders.startedNanos();
    }

    @Scheduled(fixedRate = "1s", initialDelay = "1s")
    void report() {
        long handled = count(SubscriptionMetrics.HANDLED);
        long now = System.nanoTime();
        double rate = (handled - lastHandled) / ((now - lastNanos) / 1e9);
        lastHandled = handled;
        lastNanos = now;
        log.info(String.format(Locale.ROOT, "produced %d, handled %d, acked %d, pending %s, dead-lettered %d, rate %.0f/s",
                orders.produced(), handled, count(SubscriptionMetrics.ACKED), pending(),
                count(SubscriptionMetrics.DEAD_LETTERED), rate));
    }

    private long count(String meter) {
        return (long) meters.find(meter).tag("group", "billing").counters().stream().mapToDouble(Counter::count).sum();
    }

    private String pending() {
        try {
            if (connection == null) {
                connection = client.connect();
            }
            return Long.toString(connection.sync().xpending("orders", "billing").getCount());
        } catch (RuntimeException e) {
            return "?"; // Redis away or the group not created yet; the subscription logs its own state
        }
    }

    @PreDestroy
    void close() {
        if (connection != null) {
            connection.close();
        }
    }
}
