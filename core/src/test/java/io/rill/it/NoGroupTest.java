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

    /**
     * Semantics 10: a group that keeps disappearing is recreated with backoff, like any other failure,
     * never in a tight loop. The group is destroyed again as soon as it exists, for 3 s; with a backoff of
     * at least 250 ms per attempt that allows about 12 recreations (without a backoff it is hundreds).
     */
    @Test
    void aGroupThatKeepsDisappearingIsRecreatedWithBackoff() throws Exception {
        try (RedisServer own = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(own);
                Rill rill = Rill.create(redis.client())) {
            String stream = "orders";
            String group = "billing";
            Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                    .blockTimeout(Duration.ofMillis(100)).backoff(Backoff.of(Duration.ofMillis(500), Duration.ofMillis(500)))
                    .build(), entry -> {
                    });
            await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.RUNNING);
            long createsBefore = redis.calls("xgroup|create");
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            long destroys = 0;
            while (System.nanoTime() < end) { // bounded in time; each call is a round trip to a local server
                destroys += redis.commands().xgroupDestroy(stream, group) ? 1 : 0;
            }
            long creates = redis.calls("xgroup|create") - createsBefore;
            assertTrue(destroys >= 2, "the group came back at least twice: " + destroys);
            assertTrue(creates <= 15, creates + " recreations in 3 s: no backoff");
            assertEquals(SubscriptionState.RUNNING, sub.state());
            // once the group is left alone, it is back for good
            await().atMost(Duration.ofSeconds(10)).until(() -> redis.groups(stream).contains(group));
        }
    }
}
