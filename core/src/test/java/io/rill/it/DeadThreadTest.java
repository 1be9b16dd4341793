package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/**
 * A worker thread ended by an error of Rill's own (here a meter registry that throws) is a visible
 * failure, never a silent one: the subscription goes to FAILED with the error, and nothing is lost.
 */
@WithRedis
class DeadThreadTest {

    private final RedisServer server;

    DeadThreadTest(RedisServer server) {
        this.server = server;
    }

    /** A registry whose "handled" counter throws, as a broken meter backend might. */
    private static final class BrokenRegistry extends SimpleMeterRegistry {
        @Override
        protected Counter newCounter(Meter.Id id) {
            Counter real = super.newCounter(id);
            if (!id.getName().equals(SubscriptionMetrics.HANDLED)) {
                return real;
            }
            return new Counter() {
                @Override
                public void increment(double amount) {
                    throw new IllegalStateException("broken meter");
                }

                @Override
                public double count() {
                    return real.count();
                }

                @Override
                public Id getId() {
                    return real.getId();
                }
            };
        }
    }

    @Test
    void aWorkerThatDiesFailsTheSubscriptionVisiblyAndItsEntriesStayPending() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        try (RedisFixture redis = new RedisFixture(server);
                Rill rill = Rill.builder(redis.client()).meterRegistry(new BrokenRegistry()).build()) {
            redis.add(stream, 5);
            Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                    .startPosition(StartPosition.EARLIEST).build(), entry -> {
                    });
            await().atMost(Duration.ofSeconds(30)).until(() -> sub.state().isTerminal());
            assertEquals(SubscriptionState.FAILED, sub.state());
            Throwable error = sub.lastError().orElseThrow();
            assertTrue(error.getMessage().contains("worker thread"), error.getMessage());
            assertEquals("broken meter", error.getCause().getMessage());
            assertEquals(5, redis.pending(stream, group), "nothing acked, nothing lost: all five stay pending");
        }
    }
}
