package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageHeader;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/** Issue 5, test 4: a listener bound to redis.servers.other reads from that server only. */
@MicronautTest
class NamedConnectionTest extends RedisTest {

    static final String SPEC = "NamedConnectionTest";

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "audit", connection = "other")
    static class OtherServerListener {
        final Set<String> seen = ConcurrentHashMap.newKeySet();

        @Stream("named:events")
        void on(@MessageHeader("server") String server, @MessageHeader("n") String n) {
            seen.add(server + "/" + n);
        }
    }

    private final RedisServer other = closeLater(RedisServer.startLocal());
    private final RedisFixture otherRedis = closeLater(new RedisFixture(other));

    @Inject
    OtherServerListener listener;
    @Inject
    @Named("other")
    StreamPublisher otherPublisher;
    @Inject
    StreamPublisher primaryPublisher;

    @Override
    String spec() {
        return SPEC;
    }

    @Override
    Map<String, String> properties() {
        return Map.of("redis.servers.other.uri", other.uri());
    }

    @Test
    void readsFromTheNamedServerOnly() {
        for (int i = 0; i < 5; i++) {
            redis.add("named:events", "server", "primary", "n", Integer.toString(i));
            otherRedis.add("named:events", "server", "other", "n", Integer.toString(i));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> listener.seen.size() == 5 && otherRedis.allAcked("named:events", "audit"));
        assertTrue(listener.seen.stream().allMatch(s -> s.startsWith("other/")), listener.seen.toString());
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> listener.seen.size() == 5);
        assertTrue(redis.groups("named:events").isEmpty(), "the group was created on the primary server");
        assertEquals(5, redis.commands().xlen("named:events"));
    }

    @Test
    void publishersAreQualifiedByServerName() {
        otherPublisher.publish("named:published", Map.of("k", "other"));
        primaryPublisher.publish("named:published", Map.of("k", "primary"));
        assertEquals("other", otherRedis.entries("named:published").get(0).getBody().get("k"));
        assertEquals("primary", redis.entries("named:published").get(0).getBody().get("k"));
        assertEquals(1, otherRedis.commands().xlen("named:published"));
    }
}
