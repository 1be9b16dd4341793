package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageHeader;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.SubscriptionState;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/** The registry (list, pause, resume, autoStartup = false) and Micrometer meters bound to the application's registry. */
@MicronautTest
class RegistryTest extends RedisTest {

    static final String SPEC = "RegistryTest";

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "reg", consumer = "c1")
    static class Always {
        final Set<String> seen = ConcurrentHashMap.newKeySet();

        @Stream("reg:events")
        void on(@MessageHeader("n") String n) {
            seen.add(n);
        }
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "reg-later", consumer = "c1", autoStartup = false)
    static class Later {
        final Set<String> seen = ConcurrentHashMap.newKeySet();

        @Stream("reg:later")
        void on(@MessageHeader("n") String n) {
            seen.add(n);
        }
    }

    @Factory
    @Requires(property = "spec.name", value = SPEC)
    static class Meters {
        @Singleton
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Inject
    RillSubscriptions subscriptions;
    @Inject
    Always always;
    @Inject
    Later later;
    @Inject
    MeterRegistry meters;

    @Override
    String spec() {
        return SPEC;
    }

    @Test
    void listsPausesAndResumesById() {
        String id = "reg/c1/reg:events";
        SubscriptionInfo info = subscriptions.get(id).orElseThrow();
        assertTrue(info.started());
        assertEquals(RegistryTest.Always.class.getName() + "#on", info.listener());
        assertEquals("", info.connection());
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions.get(id).orElseThrow().state()
                .equals(java.util.Optional.of(SubscriptionState.RUNNING)));

        redis.add("reg:events", "n", "1");
        await().atMost(Duration.ofSeconds(10)).until(() -> always.seen.contains("1"));

        subscriptions.pause(id);
        assertTrue(subscriptions.get(id).orElseThrow().paused());
        redis.add("reg:events", "n", "2");
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(5)).until(() -> !always.seen.contains("2"));
        assertEquals(SubscriptionState.RUNNING, subscriptions.get(id).orElseThrow().state().orElseThrow());

        subscriptions.resume(id);
        assertFalse(subscriptions.get(id).orElseThrow().paused());
        await().atMost(Duration.ofSeconds(10)).until(() -> always.seen.contains("2") && redis.allAcked("reg:events", "reg"));

        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> subscriptions.pause("nope"));
        assertTrue(unknown.getMessage().contains(id), unknown.getMessage());
    }

    @Test
    void anAutoStartupFalseListenerIsListedAndStartsOnResume() {
        String id = "reg-later/c1/reg:later";
        redis.add("reg:later", "n", "1");
        SubscriptionInfo info = subscriptions.get(id).orElseThrow();
        assertFalse(info.started());
        assertTrue(info.state().isEmpty());
        assertTrue(redis.groups("reg:later").isEmpty(), "a subscription not started does not touch Redis");

        subscriptions.resume(id);
        await().atMost(Duration.ofSeconds(10)).until(() -> later.seen.contains("1") && redis.allAcked("reg:later", "reg-later"));
        assertTrue(subscriptions.get(id).orElseThrow().started());
    }

    @Test
    void metersAreBoundToTheApplicationsMeterRegistry() {
        redis.add("reg:events", "n", "m");
        await().atMost(Duration.ofSeconds(10)).until(() -> always.seen.contains("m"));
        await().atMost(Duration.ofSeconds(10)).until(() -> meters.find(SubscriptionMetrics.ACKED)
                .tags("stream", "reg:events", "group", "reg", "consumer", "c1").counter() != null
                && meters.find(SubscriptionMetrics.ACKED).tags("stream", "reg:events").counter().count() >= 1);
        assertTrue(meters.get(SubscriptionMetrics.HANDLED).tags("group", "reg").counter().count() >= 1);
    }
}
