package io.rill.spring;

import static io.rill.spring.Contexts.runner;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.rill.SubscriptionState;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The subscriptions follow the context's lifecycle: started once it is refreshed, stopped by
 * {@code context.stop()} (the drain of semantics 11) and started again by {@code context.start()}, reading their
 * own pending entries first (semantics 3).
 */
class LifecycleTest {

    static final RedisServer server = RedisServer.start();

    static class Counting {
        final Set<String> handled = ConcurrentHashMap.newKeySet();

        @RedisStreamListener(streams = "life:in", group = "life", consumer = "c1", startFrom = "earliest")
        void on(@Field("n") String n) {
            handled.add(n);
        }
    }

    @AfterAll
    static void stopRedis() {
        server.close();
    }

    @Test
    void rillEnabledFalseLeavesTheListenersUnsubscribed() {
        runner(server.uri()).withBean(Counting.class).withPropertyValues("rill.enabled=false").run(context -> {
            assertEquals(null, context.getStartupFailure());
            assertEquals(0, context.getBeanNamesForType(RillSubscriptions.class).length);
        });
    }

    @Test
    void stopsWithTheContextAndStartsAgainWithIt() {
        try (RedisFixture redis = new RedisFixture(server)) {
            runner(server.uri()).withBean(Counting.class)
                    .withPropertyValues("rill.consumers.life.block-timeout=200ms").run(context -> {
                Counting listener = context.getBean(Counting.class);
                RillSubscriptions subscriptions = context.getBean(RillSubscriptions.class);
                redis.add("life:in", "n", "1");
                await().atMost(Duration.ofSeconds(10)).until(() -> listener.handled.contains("1")
                        && redis.allAcked("life:in", "life"));

                context.stop();
                assertEquals(SubscriptionState.STOPPED, subscriptions.list().get(0).state().orElseThrow());
                assertThrows(IllegalStateException.class, () -> subscriptions.deadLetters("life:in:dlq"));
                redis.add("life:in", "n", "2");

                context.start();
                await().atMost(Duration.ofSeconds(10)).until(() -> listener.handled.contains("2")
                        && redis.allAcked("life:in", "life"));
                assertEquals(SubscriptionState.RUNNING, subscriptions.list().get(0).state().orElseThrow());
            });
        }
    }
}
