package io.rill.spring;

import static io.rill.spring.Contexts.runner;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.rill.testing.RedisFixture;
import io.rill.testing.RedisSentinel;
import io.rill.testing.RedisServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Boot's Sentinel configuration ({@code spring.data.redis.sentinel.*}) is what the starter runs on: the
 * subscription reads from the master the Sentinel names, through Boot's connection factory.
 */
class SentinelTest {

    /** A master, a replica and a Sentinel watching the master as {@code mymaster}. */
    static final RedisSentinel setup = RedisSentinel.start();

    static class Listener {
        final Set<String> handled = ConcurrentHashMap.newKeySet();

        @RedisStreamListener(streams = "sentinel:in", group = "watched", consumer = "c1", startFrom = "earliest")
        void on(@Field("n") String n) {
            handled.add(n);
        }
    }

    @AfterAll
    static void stop() {
        setup.close();
    }

    @Test
    void aSentinelManagedMasterIsReadThroughBootsConnection() {
        RedisServer sentinel = setup.sentinels().getFirst();
        try (RedisFixture redis = new RedisFixture(setup.master())) {
            runner().withBean(Listener.class).withPropertyValues(
                    "spring.data.redis.sentinel.master=" + RedisSentinel.MASTER_NAME,
                    "spring.data.redis.sentinel.nodes=" + sentinel.host() + ":" + sentinel.port(),
                    "rill.consumers.watched.block-timeout=200ms").run(context -> {
                assertEquals(null, context.getStartupFailure());
                redis.add("sentinel:in", "n", "1");
                Listener listener = context.getBean(Listener.class);
                await().atMost(Duration.ofSeconds(15)).until(() -> listener.handled.contains("1")
                        && redis.allAcked("sentinel:in", "watched"));
            });
        }
    }
}
