package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.rill.Backoff;
import io.rill.Rill;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/** The stream or group disappears, or never existed (semantics 10). */
@WithRedis
class NoGroupTest {

    private final RedisServer server;

    NoGroupTest(RedisServer server) {
        this.server = server;
    }

    @Test
    void deletedStreamIsRecreatedAtDollarWithOneWarning() throws Exception {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("billing");
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            Set<String> handled = ConcurrentHashMap.newKeySet();
            Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                    .blockTimeout(Duration.ofMillis(200)).build(), entry -> handled.add(entry.field("n")));
            await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.RUNNING);
            redis.add(stream, 10);
            await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 10);

            redis.commands().del(stream);
            // the group comes back at $ on an empty stream
            await().atMost(Duration.ofSeconds(20)).until(() -> redis.commands().exists(stream) == 1
                    && redis.commands().xinfoGroups(stream).size() == 1);
            handled.clear();
            redis.add(stream, 5);
            await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() == 5 && redis.pending(stream, group) == 0);
            assertEquals(SubscriptionState.RUNNING, sub.state());
            await().atMost(Duration.ofSeconds(5)).until(() -> RedisFixture.logLines("WARN", "recreated", stream, group) == 1);
            assertEquals(1, RedisFixture.logLines("WARN", "recreated", stream, group));
        }
    }

    @Test
    void missingGroupWithAutoCreateOffFailsVisiblyAndDoesNotSpin() throws Exception {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("billing");
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            redis.add(stream, 3);
            long readsBefore = redis.xreadgroupCalls();
            Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                    .autoCreate(false).backoff(Backoff.of(Duration.ofMillis(1), Duration.ofMillis(1))).build(),
                    entry -> {
                    });
            await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.FAILED);
            String message = sub.lastError().orElseThrow().getMessage();
            assertTrue(message.contains(group) && message.contains(stream) && message.contains("auto-create"), message);
            assertTrue(rill.subscriptions().isEmpty(), "a failed subscription is not listed as running");
            // a terminal state: one read found the group missing, and no retry follows
            assertEquals(1, redis.xreadgroupCalls() - readsBefore);
            assertEquals(SubscriptionState.FAILED, sub.state());
        }
    }

    @Test
    void groupCreatedByRillStartsAtTheConfiguredPosition() throws Exception {
        String stream = RedisFixture.unique("orders");
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            redis.add(stream, 4);
            Set<String> latest = ConcurrentHashMap.newKeySet();
            Set<String> earliest = ConcurrentHashMap.newKeySet();
            Subscription a = rill.subscribe(SubscriptionOptions.builder().streams(stream).group("latest").consumer("c1")
                    .build(), e -> latest.add(e.id()));
            Subscription b = rill.subscribe(SubscriptionOptions.builder().streams(stream).group("earliest").consumer("c1")
                    .startPosition(io.rill.StartPosition.EARLIEST).build(), e -> earliest.add(e.id()));
            await().atMost(Duration.ofSeconds(10)).until(() -> a.state() == SubscriptionState.RUNNING
                    && b.state() == SubscriptionState.RUNNING && earliest.size() == 4);
            redis.add(stream, 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> latest.size() == 1 && earliest.size() == 5);
        }
    }
}
