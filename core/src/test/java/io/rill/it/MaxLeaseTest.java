package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.JanitorOptions;
import io.rill.ReclaimOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.SubscriptionOptions;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/**
 * {@code reclaim.max-lease} (semantics 6): lease renewal keeps a slow handler's entry from the group, but
 * not forever. An entry held longer than max-lease is no longer renewed, with one WARN and
 * {@code rill.leases.dropped}, and another consumer claims it after min-idle.
 */
@WithRedis
class MaxLeaseTest {

    private final RedisServer server;

    MaxLeaseTest(RedisServer server) {
        this.server = server;
    }

    @Test
    void anEntryHeldPastMaxLeaseLosesItsLeaseAndIsClaimedByAnotherConsumer() throws Exception {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        CountDownLatch hung = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (RedisFixture redis = new RedisFixture(server);
                Rill rill = Rill.builder(redis.client()).meterRegistry(meters).build()) {
            String id = redis.add(stream, 1).get(0);
            SubscriptionOptions.Builder options = SubscriptionOptions.builder().streams(stream).group(group)
                    .startPosition(StartPosition.EARLIEST).blockTimeout(Duration.ofMillis(200))
                    .shutdownTimeout(Duration.ofMillis(500)) // a's handler still hangs when the test ends
                    .janitor(JanitorOptions.builder().enabled(false).build());
            ReclaimOptions reclaim = ReclaimOptions.builder().interval(Duration.ofMillis(100)).minIdle(Duration.ofMillis(600))
                    .leaseRenewalInterval(Duration.ofMillis(100)).maxLease(Duration.ofSeconds(1)).build();
            // no handler-timeout: the handler hangs, and only max-lease ends the renewals (a claims nothing
            // itself, so that its own claim does not take the entry back)
            rill.subscribe(options.consumer("a").reclaim(reclaim.toBuilder().enabled(false).build()).build(), entry -> {
                hung.countDown();
                release.await();
            });
            hung.await();
            AtomicInteger callsOnB = new AtomicInteger();
            rill.subscribe(options.consumer("b").reclaim(reclaim).build(), entry -> callsOnB.incrementAndGet());

            await().atMost(Duration.ofSeconds(20)).until(() -> callsOnB.get() == 1 && redis.pending(stream, group) == 0);
            assertEquals(1.0, meters.get(SubscriptionMetrics.LEASES_DROPPED).tag("consumer", "a").counter().count());
            // the renewals before the drop kept the entry from b for at least max-lease
            double renewals = meters.get(SubscriptionMetrics.LEASES_RENEWED).tag("consumer", "a").counter().count();
            assertTrue(renewals >= 3, "renewed until max-lease: " + renewals);
            await().atMost(Duration.ofSeconds(5)).until(() -> RedisFixture.logLines("WARN", "reclaim.max-lease", id) == 1);
        } finally {
            release.countDown();
        }
    }
}
