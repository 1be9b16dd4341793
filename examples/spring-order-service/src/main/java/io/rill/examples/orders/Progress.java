package io.rill.examples.orders;

import java.util.Locale;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.rill.metrics.SubscriptionMetrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Demo mode's progress line, once a second: what this instance produced, handled, acknowledged and
 * dead-lettered (its Rill meters in Boot's MeterRegistry), what the group has pending (XPENDING), and the rate.
 */
@Component
@ConditionalOnBooleanProperty("demo.enabled")
public class Progress {

    private static final Logger log = LoggerFactory.getLogger(Progress.class);

    private final DemoOrders orders;
    private final MeterRegistry meters;
    private final StringRedisTemplate redis;
    private long lastHandled;
    private long lastNanos;

    Progress(DemoOrders orders, MeterRegistry meters, StringRedisTemplate redis) {
        this.orders = orders;
        this.meters = meters;
        this.redis = redis;
        this.lastNanos = orders.startedNanos();
    }

    @Scheduled(fixedRate = 1000, initialDelay = 1000)
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
            return Long.toString(redis.opsForStream().pending("orders", "billing").getTotalPendingMessages());
        } catch (RuntimeException e) {
            return "?"; // Redis away or the group not created yet; the subscription logs its own state
        }
    }
}
