package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.DeadLetterOptions;
import io.rill.LogContext;
import io.rill.RetryOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/**
 * The gauges an operator alerts on (design: observability): lag in entries and by age rises while a
 * subscription does not read and falls to 0 once it has caught up; pending entries of the consumer and
 * the group, and the age of the oldest; in-flight and state; the handler timer tagged with the outcome;
 * the MDC keys inside a handler call.
 */
@WithRedis
class GaugesTest {

    private final RedisServer server;

    GaugesTest(RedisServer server) {
        this.server = server;
    }

    private static double gauge(SimpleMeterRegistry meters, String name, String consumer) {
        Gauge gauge = meters.find(name).tag("consumer", consumer).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    private static double millis(SimpleMeterRegistry meters, String name, String consumer) {
        TimeGauge gauge = meters.find(name).tag("consumer", consumer).timeGauge();
        return gauge == null ? Double.NaN : gauge.value(TimeUnit.MILLISECONDS);
    }

    @Test
    void lagRisesWhilePausedGrowsOlderAndFallsToZeroAfterResume() {
        String stream = RedisFixture.unique("orders");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (RedisFixture redis = new RedisFixture(server);
                Rill rill = Rill.builder(redis.client()).meterRegistry(meters).build()) {
            Set<String> handled = ConcurrentHashMap.newKeySet();
            Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group("billing").consumer("c1")
                    .startPosition(StartPosition.EARLIEST).build(), entry -> handled.add(entry.id()));
            await().atMost(Duration.ofSeconds(20)).until(() -> gauge(meters, SubscriptionMetrics.LAG, "c1") == 0);
            // Micrometer holds a gauge's object weakly: one that nothing else holds would read NaN after this
            System.gc();
            assertEquals(1.0, meters.get(SubscriptionMetrics.STATE).tag("consumer", "c1").tag("state", "RUNNING").gauge().value());
            assertEquals(0.0, meters.get(SubscriptionMetrics.STATE).tag("consumer", "c1").tag("state", "FAILED").gauge().value());

            sub.pause();
            redis.add(stream, 50);
            await().atMost(Duration.ofSeconds(20)).until(() -> gauge(meters, SubscriptionMetrics.LAG, "c1") == 50
                    && millis(meters, SubscriptionMetrics.LAG_AGE, "c1") > 0);
            double age = millis(meters, SubscriptionMetrics.LAG_AGE, "c1");
            // the oldest undelivered entry only gets older while nobody reads
            await().atMost(Duration.ofSeconds(20)).until(() -> millis(meters, SubscriptionMetrics.LAG_AGE, "c1") > age);
            assertEquals(50, gauge(meters, SubscriptionMetrics.LAG, "c1"));

            sub.resume();
            await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 50
                    && gauge(meters, SubscriptionMetrics.LAG, "c1") == 0
                    && millis(meters, SubscriptionMetrics.LAG_AGE, "c1") == 0
                    && gauge(meters, SubscriptionMetrics.GROUP_PENDING, "c1") == 0);
        }
    }

    @Test
    void pendingInFlightAndTheirAgeShowAHandlerThatHoldsEntries() throws Exception {
        String stream = RedisFixture.unique("orders");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        CountDownLatch release = new CountDownLatch(1);
        Map<String, String> seen = new ConcurrentHashMap<>();
        try (RedisFixture redis = new RedisFixture(server);
                Rill rill = Rill.builder(redis.client()).meterRegistry(meters).build()) {
            redis.add(stream, 3);
            rill.subscribe(SubscriptionOptions.builder().streams(stream).group("billing").consumer("c1")
                    .startPosition(StartPosition.EARLIEST).build(), entry -> {
                        seen.put(entry.id(), MDC.get(LogContext.ENTRY_ID) + " " + MDC.get(LogContext.STREAM) + " "
                                + MDC.get(LogContext.GROUP) + " " + MDC.get(LogContext.CONSUMER) + " "
                                + MDC.get(LogContext.DELIVERY_COUNT));
                        release.await();
                    });
            await().atMost(Duration.ofSeconds(20)).until(() -> gauge(meters, SubscriptionMetrics.PENDING, "c1") == 3
                    && gauge(meters, SubscriptionMetrics.GROUP_PENDING, "c1") == 3
                    && millis(meters, SubscriptionMetrics.PENDING_AGE, "c1") > 0);
            assertEquals(3.0, gauge(meters, SubscriptionMetrics.IN_FLIGHT, "c1"));
            assertEquals(0.0, gauge(meters, SubscriptionMetrics.LAG, "c1"), "all three were delivered");
            String first = seen.keySet().iterator().next();
            assertEquals(first + " " + stream + " billing c1 1", seen.get(first), "the MDC inside the handler");
            assertNull(MDC.get(LogContext.ENTRY_ID));
            release.countDown();
            await().atMost(Duration.ofSeconds(20)).until(() -> gauge(meters, SubscriptionMetrics.PENDING, "c1") == 0
                    && gauge(meters, SubscriptionMetrics.IN_FLIGHT, "c1") == 0
                    && millis(meters, SubscriptionMetrics.PENDING_AGE, "c1") == 0);
        }
    }

    @Test
    void theHandlerTimerIsTaggedWithTheOutcomeAndTheException() {
        String stream = RedisFixture.unique("orders");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (RedisFixture redis = new RedisFixture(server);
                Rill rill = Rill.builder(redis.client()).meterRegistry(meters).build()) {
            redis.add(stream, "n", "1");
            redis.add(stream, "n", "bad");
            rill.subscribe(SubscriptionOptions.builder().streams(stream).group("billing").consumer("c1")
                    .startPosition(StartPosition.EARLIEST)
                    .retry(RetryOptions.builder().maxAttempts(1).build())
                    .deadLetter(DeadLetterOptions.builder().maxFailures(1).build()).build(), entry -> {
                        if (entry.field("n").equals("bad")) {
                            throw new IllegalArgumentException("bad order");
                        }
                    });
            await().atMost(Duration.ofSeconds(20)).until(() -> redis.commands().exists(stream + ":dlq") == 1);
            assertEquals(1, meters.get(SubscriptionMetrics.HANDLER_DURATION).tag("consumer", "c1")
                    .tag(SubscriptionMetrics.TAG_RESULT, "success").tag(SubscriptionMetrics.TAG_EXCEPTION, "none").timer().count());
            assertEquals(1, meters.get(SubscriptionMetrics.HANDLER_DURATION).tag("consumer", "c1")
                    .tag(SubscriptionMetrics.TAG_RESULT, "failure")
                    .tag(SubscriptionMetrics.TAG_EXCEPTION, "IllegalArgumentException").timer().count());
            assertTrue(meters.find(SubscriptionMetrics.DEAD_LETTERS_FAILED).tag("consumer", "c1").counter().count() == 0);
        }
    }
}
