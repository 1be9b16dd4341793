package io.rill.spring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.StreamMessage;
import io.rill.SubscriptionState;
import io.rill.deadletter.DeadLetter;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Component;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A listener that throws does not stop its subscription (unlike StreamMessageListenerContainer's default):
 * the failing entry is retried as {@code @ErrorPolicy} says and dead-lettered at {@code max-failures}, while
 * the entries after it are handled and acked (semantics 7).
 */
@SpringBootTest(classes = ErrorPolicyTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "rill.consumers.errors.block-timeout=200ms",
        "rill.consumers.errors.reclaim.min-idle=300ms",
        "rill.consumers.errors.reclaim.interval=100ms"})
@DirtiesContext
class ErrorPolicyTest {

    static final RedisServer server = RedisServer.start();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", server::uri);
    }

    @Component
    static class Flaky {
        final Set<String> handled = ConcurrentHashMap.newKeySet();
        final AtomicInteger poisonCalls = new AtomicInteger();

        // tag::error-policy[]
        @RedisStreamListener(streams = "errors:in", group = "errors", consumer = "c1", maxFailures = "4")
        @ErrorPolicy(maxAttempts = "2", delay = "10ms", maxDelay = "20ms")
        void on(@Field("n") String n) {
            if (n.equals("poison")) {
                poisonCalls.incrementAndGet();
                throw new IllegalStateException("bad entry");
            }
            handled.add(n);
        }
        // end::error-policy[]
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(Flaky.class)
    static class App {
        @Bean
        DisposableBean redisServer() {
            return server::close;
        }
    }

    @Autowired
    Flaky flaky;
    @Autowired
    RillSubscriptions subscriptions;

    private final RedisFixture redis = new RedisFixture(server);

    @AfterEach
    void close() {
        redis.close();
    }

    @Test
    void aThrowingListenerKeepsItsSubscriptionAndThePoisonEndsDeadLettered() {
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions.list().get(0).state().orElse(null)
                == SubscriptionState.RUNNING);
        redis.add("errors:in", "n", "1");
        String poison = redis.add("errors:in", "n", "poison");
        redis.add("errors:in", "n", "2");
        await().atMost(Duration.ofSeconds(10)).until(() -> flaky.handled.containsAll(List.of("1", "2")));

        await().atMost(Duration.ofSeconds(20)).until(() -> redis.entries("errors:in:dlq").size() == 1);
        StreamMessage<String, String> dead = redis.entries("errors:in:dlq").get(0);
        assertEquals("poison", dead.getBody().get("n"));
        assertEquals(poison, dead.getBody().get(DeadLetter.ID), dead.getBody().toString());
        assertEquals(4, flaky.poisonCalls.get(), "two deliveries of two attempts, then dead-lettered");
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("errors:in", "errors"));

        // the subscription still reads: a later entry is handled
        redis.add("errors:in", "n", "3");
        await().atMost(Duration.ofSeconds(10)).until(() -> flaky.handled.contains("3"));
        assertEquals(SubscriptionState.RUNNING, subscriptions.list().get(0).state().orElseThrow());
    }
}
