package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/**
 * A stopped subscription leaves no meters behind in the registry (design: observability, "meters removed
 * on close"), and they are removed only after its last settlement: the acks its stop flushes are counted.
 */
@WithRedis
class MetersTest {

    private final RedisServer server;

    MetersTest(RedisServer server) {
        this.server = server;
    }

    @Test
    void closeRemovesTheSubscriptionsMetersAfterCountingTheAcksItsStopFlushed() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (RedisFixture redis = new RedisFixture(server);
                Rill rill = Rill.builder(redis.client()).meterRegistry(meters).build()) {
            redis.add(stream, 10);
            AtomicInteger handled = new AtomicInteger();
            Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                    .startPosition(StartPosition.EARLIEST)
                    .ackFlushSize(100).ackFlushInterval(Duration.ofMinutes(1)) // only the stop flushes
                    .build(), entry -> handled.incrementAndGet());
            Subscription other = rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group + "-other")
                    .consumer("c2").build(), entry -> {
                    });
            await().atMost(Duration.ofSeconds(20)).until(() -> handled.get() == 10);
            Counter acked = meters.get(SubscriptionMetrics.ACKED).tag("consumer", "c1").counter();
            assertEquals(0.0, acked.count(), "nothing flushed before the stop");
            assertTrue(meters.getMeters().stream().anyMatch(m -> "c1".equals(m.getId().getTag("consumer"))));

            sub.close();
            assertEquals(10.0, acked.count(), "the stop's acks were counted before the meters went");
            assertTrue(meters.getMeters().stream().noneMatch(m -> "c1".equals(m.getId().getTag("consumer"))),
                    "meters of c1 left after close: " + meters.getMeters().stream()
                            .filter(m -> "c1".equals(m.getId().getTag("consumer"))).map(m -> m.getId().getName()).toList());
            // another subscription's meters stay
            assertTrue(meters.getMeters().stream().anyMatch(m -> "c2".equals(m.getId().getTag("consumer"))));
            other.close();
            assertTrue(meters.getMeters().isEmpty(), "left: " + meters.getMeters().size());
        }
    }
}
