package io.rill.examples.orders;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.rill.metrics.SubscriptionMetrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Demo mode's progress line, once a second: what this instance produced, handled, acknowledged and
 * dead-lettered, what the group has pending and how far behind it is (entries not yet delivered, and the
 * age of the oldest), and the rate; all from Rill's meters in Boot's MeterRegistry.
 */
@Component
@ConditionalOnBooleanProperty("demo.enabled")
public class Progress {

    private static final Logger log = LoggerFactory.getLogger(Progress.class);

    private final DemoOrders orders;
    private final MeterRegistry meters;
    private long lastHandled;
    private long lastNanos;

    Progress(DemoOrders orders, MeterRegistry meters) {
        this.orders = orders;
        this.meters = meters;
        this.lastNanos = orders.startedNanos();
    }

    @Scheduled(fixedRate = 1000, initialDelay = 1000)
    void report() {
        long handled = count(SubscriptionMetrics.HANDLED);
        long now = System.nanoTime();
        double rate = (handled - lastHandled) / ((now - lastNanos) / 1e9);
        lastHandled = handled;
        lastNanos = now;
        log.info(String.format(Locale.ROOT, "produced %d, handled %d, acked %d, pending %s, dead-lettered %d, lag %s (%s ms), "
                + "rate %.0f/s", orders.produced(), handled, count(SubscriptionMetrics.ACKED),
                gauge(SubscriptionMetrics.GROUP_PENDING), count(SubscriptionMetrics.DEAD_LETTERED),
                gauge(SubscriptionMetrics.LAG), age(SubscriptionMetrics.LAG_AGE), rate));
    }

    private long count(String meter) {
        return (long) meters.find(meter).tag("group", "billing").counters().stream().mapToDouble(Counter::count).sum();
    }

    /** A gauge of the group on stream orders; "?" before its first sample. */
    private String gauge(String meter) {
        Gauge gauge = meters.find(meter).tag("group", "billing").tag("stream", "orders").gauge();
        return gauge == null || Double.isNaN(gauge.value()) ? "?" : Long.toString((long) gauge.value());
    }

    private String age(String meter) {
        TimeGauge gauge = meters.find(meter).tag("group", "billing").tag("stream", "orders").timeGauge();
        double millis = gauge == null ? Double.NaN : gauge.value(TimeUnit.MILLISECONDS);
        return Double.isNaN(millis) ? "?" : Long.toString((long) millis);
    }
}
