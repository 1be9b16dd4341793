package io.rill.spring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.lettuce.core.StreamMessage;
import io.rill.SubscriptionState;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Component;

/**
 * Closing the application mid-load stops reading, lets the handlers in flight finish and flushes their acks
 * before Boot's connection factory goes away: nothing handled is left un-acked, and what was read but not
 * handled stays pending for the next start (semantics 11).
 */
class GracefulShutdownTest {

    static final RedisServer server = RedisServer.start();
    static final int ENTRIES = 2_000;
    static final int CONCURRENCY = 4;

    /** Handlers hold until the test opens the gate, so that the stop begins with handlers in flight. */
    static final CountDownLatch gate = new CountDownLatch(1);

    @Component
    static class Slow {
        final Set<String> started = ConcurrentHashMap.newKeySet();
        final Set<String> handled = ConcurrentHashMap.newKeySet();

        @RedisStreamListener(streams = "stop:in", group = "stopping", consumer = "c1", concurrency = "4")
        void on(@MessageId String id) throws InterruptedException {
            started.add(id);
            if (!gate.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the gate was never opened");
            }
            handled.add(id);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(Slow.class)
    static class App {
    }

    @AfterAll
    static void stopRedis() {
        server.close();
    }

    @Test
    void aStopMidLoadLeavesNothingHandledUnacked() throws Exception {
        try (RedisFixture redis = new RedisFixture(server)) {
            redis.add("stop:in", ENTRIES);
            ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                    .web(WebApplicationType.NONE)
                    .properties(Map.of("spring.data.redis.url", server.uri(),
                            "rill.consumers.stopping.start-position", "earliest",
                            "rill.consumers.stopping.block-timeout", "200ms",
                            "rill.consumers.stopping.shutdown-timeout", "30s",
                            "spring.lifecycle.timeout-per-shutdown-phase", "40s"))
                    .run();
            Slow slow = context.getBean(Slow.class);
            RillSubscriptions subscriptions = context.getBean(RillSubscriptions.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> slow.started.size() == CONCURRENCY);

            Thread closer = Thread.ofPlatform().start(context::close);
            await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions.list().get(0).state()
                    .orElseThrow() == SubscriptionState.STOPPING);
            Set<String> inFlightAtStop = new HashSet<>(slow.started);
            gate.countDown(); // the handlers in flight finish during the stop
            closer.join(Duration.ofSeconds(60));
            assertTrue(!closer.isAlive(), "the context did not close");

            assertTrue(slow.handled.containsAll(inFlightAtStop), "handlers in flight at the stop finished");
            Set<String> pending = redis.pendingIds("stop:in", "stopping");
            Set<String> handledButPending = slow.handled.stream().filter(pending::contains).collect(Collectors.toSet());
            assertEquals(Set.of(), handledButPending, "handled entries left un-acked");
            // everything read was either handled and acked, or is still pending: nothing lost
            List<String> all = redis.entries("stop:in").stream().map(StreamMessage::getId).toList();
            assertEquals(ENTRIES, all.size());
            assertTrue(slow.handled.size() < ENTRIES, "the stop came mid-load");
            for (String id : slow.started) {
                assertTrue(slow.handled.contains(id) || pending.contains(id), id + " started, neither acked nor pending");
            }
        }
    }
}
