package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.lettuce.core.StreamMessage;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Requires;
import io.rill.SubscriptionState;
import io.rill.micronaut.annotation.MessageId;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

/**
 * Issue 5, test 6: the context is closed while entries are being handled; the handlers in flight finish,
 * and every entry that was handled ends acknowledged. Run with Micronaut's graceful shutdown off (the
 * ShutdownEvent path) and on (GracefulShutdownCapable).
 */
class GracefulShutdownTest {

    static final String SPEC = "GracefulShutdownTest";
    static final int ENTRIES = 2_000;

    /** Blocks the handlers once {@link #blockAfter} entries are done, so the close finds work in flight. */
    static final class Gate {
        static final Set<String> handled = ConcurrentHashMap.newKeySet();
        static final AtomicInteger blocked = new AtomicInteger();
        static volatile CountDownLatch release = new CountDownLatch(1);
        static volatile int blockAfter = 500;
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "billing", consumer = "c1")
    static class Billing {
        @Stream(value = "gs:orders", concurrency = "4")
        void onOrder(@MessageId String id) throws InterruptedException {
            if (Gate.handled.size() >= Gate.blockAfter) {
                Gate.blocked.incrementAndGet();
                Gate.release.await();
            }
            Gate.handled.add(id);
        }
    }

    @ParameterizedTest(name = "micronaut graceful shutdown enabled: {0}")
    @ValueSource(booleans = {false, true})
    void closingTheContextMidLoadLeavesNothingHandledUnacked(boolean micronautGracefulShutdown) throws Exception {
        Gate.handled.clear();
        Gate.blocked.set(0);
        Gate.release = new CountDownLatch(1);
        try (RedisServer server = RedisServer.start(); RedisFixture redis = new RedisFixture(server)) {
            String stream = "gs:orders";
            redis.add(stream, ENTRIES);
            ApplicationContext context = ApplicationContext.run(Map.of(
                    "spec.name", SPEC,
                    "redis.uri", server.uri(),
                    "rill.consumers.billing.start-position", "earliest",
                    "rill.consumers.billing.batch-size", "50",
                    "micronaut.lifecycle.graceful-shutdown.enabled", Boolean.toString(micronautGracefulShutdown),
                    "micronaut.lifecycle.graceful-shutdown.grace-period", "30s"));
            RillSubscriptions subscriptions = context.getBean(RillSubscriptions.class);
            String id = "billing/c1/gs:orders";

            // mid-load: 500 handled, the 4 workers now each hold an entry, more entries read and queued
            await().atMost(Duration.ofSeconds(30)).until(() -> Gate.blocked.get() == 4);
            assertTrue(subscriptions.reportActiveTasks().getAsLong() >= 4);
            Thread closer = Thread.ofPlatform().start(context::close);
            await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions.subscription(id).orElseThrow().state()
                    == SubscriptionState.STOPPING);
            assertTrue(closer.isAlive(), "the close must wait for the handlers in flight");
            Gate.release.countDown();
            closer.join(Duration.ofSeconds(30));
            assertFalse(closer.isAlive());
            assertEquals(SubscriptionState.STOPPED, subscriptions.subscription(id).orElseThrow().state());

            Set<String> handled = new HashSet<>(Gate.handled);
            Set<String> pending = redis.pendingIds(stream, "billing");
            assertTrue(handled.size() >= 504, "the four in-flight handlers finished: " + handled.size());
            Set<String> handledButPending = new HashSet<>(handled);
            handledButPending.retainAll(pending);
            assertEquals(Set.of(), handledButPending, "handled entries left unacknowledged");
            // what was not handled is still pending or was never read: nothing is lost
            List<StreamMessage<String, String>> all = redis.entries(stream);
            assertEquals(ENTRIES, all.size());
            for (StreamMessage<String, String> m : all) {
                assertTrue(handled.contains(m.getId()) || pending.contains(m.getId()) || !wasRead(redis, stream, m.getId()),
                        m.getId() + " was read, is not pending and was not handled");
            }
        }
    }

    /** An entry past the group's last-delivered ID was never read. */
    private static boolean wasRead(RedisFixture redis, String stream, String id) {
        for (Object group : redis.commands().xinfoGroups(stream)) {
            String lastDelivered = lastDelivered(group);
            return compare(id, lastDelivered) <= 0;
        }
        return false;
    }

    private static String lastDelivered(Object group) {
        if (group instanceof Map<?, ?> info) {
            return String.valueOf(info.get("last-delivered-id"));
        }
        List<?> info = (List<?>) group;
        for (int i = 0; i + 1 < info.size(); i += 2) {
            if ("last-delivered-id".equals(String.valueOf(info.get(i)))) {
                return String.valueOf(info.get(i + 1));
            }
        }
        throw new IllegalStateException("no last-delivered-id in " + group);
    }

    private static int compare(String a, String b) {
        String[] x = a.split("-");
        String[] y = b.split("-");
        int c = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return c != 0 ? c : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }
}
