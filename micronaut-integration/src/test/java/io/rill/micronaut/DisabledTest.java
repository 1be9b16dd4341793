package io.rill.micronaut;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.micronaut.context.annotation.Requires;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.micronaut.health.RillHealthIndicator;
import jakarta.inject.Inject;

/** rill.enabled = false: listeners are not subscribed; the publisher still works. */
@MicronautTest
class DisabledTest extends RedisTest {

    static final String SPEC = "DisabledTest";

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "off")
    static class Off {
        @Stream("off:events")
        void on(String body) {
        }
    }

    @Inject
    StreamPublisher publisher;

    @Override
    String spec() {
        return SPEC;
    }

    @Override
    Map<String, String> properties() {
        return Map.of("rill.enabled", "false");
    }

    @Test
    void nothingIsSubscribed() {
        assertFalse(context.containsBean(RillSubscriptions.class));
        assertFalse(context.containsBean(RillHealthIndicator.class));
        publisher.publish("off:events", Map.of("k", "v"));
        assertTrue(redis.groups("off:events").isEmpty());
    }
}
