package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/**
 * Semantics 10: a permission Redis refuses is an error retrying cannot fix, also on the command
 * connection (acks, scripts): the subscription fails with the server's reply instead of stalling RUNNING.
 */
@WithRedis
class PermissionsTest {

    private final RedisServer server;

    PermissionsTest(RedisServer server) {
        this.server = server;
    }

    /** ACL SETUSER name on >pw ~* &* +@all, then the given removals. */
    private static void user(RedisFixture admin, String name, String... removals) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add("SETUSER").add(name).add("on")
                .add(">pw").add("~*").add("&*").add("+@all");
        for (String removal : removals) {
            args.add(removal);
        }
        admin.commands().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8), args);
    }

    private void assertFailsWith(String user, String... parts) {
        String stream = RedisFixture.unique("orders");
        try (RedisFixture admin = new RedisFixture(server)) {
            admin.add(stream, 5);
        }
        RedisClient client = RedisClient.create("redis://" + user + ":pw@" + server.host() + ":" + server.port());
        try (Rill rill = Rill.create(client)) {
            Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group("billing").consumer("c1")
                    .startPosition(StartPosition.EARLIEST)
                    .shutdownTimeout(Duration.ofSeconds(2)) // the failed stop's bound (refused acks are not waited for)
                    .build(), entry -> {
                    });
            await().atMost(Duration.ofSeconds(30)).until(() -> sub.state().isTerminal());
            assertEquals(SubscriptionState.FAILED, sub.state(), user);
            String message = String.valueOf(sub.lastError().orElseThrow().getMessage());
            for (String part : parts) {
                assertTrue(message.contains(part), user + ": " + message);
            }
        } finally {
            client.shutdown();
        }
    }

    /**
     * The rules docs/operations.md lists, for stream {@code orders:*} and its dead letters, failure records
     * and consumer identity keys.
     */
    static final String[] RULES = { "resetkeys", "~orders:*", "~{orders:*}:rill:failures:*", "~{orders:*}:rill:consumer:*",
            "resetchannels", "-@all", "+@stream", "+eval", "+hget", "+hset", "+hmget", "+hdel", "+expire", "+get", "+set",
            "+pttl", "+del", "+client|id", "+client|unblock", "+ping", "+hello" };

    @Test
    void aUserWithExactlyTheDocumentedRulesRunsTheWholePipeline() {
        String stream = RedisFixture.unique("orders");
        try (RedisFixture admin = new RedisFixture(server)) {
            admin.commands().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8),
                    new CommandArgs<>(StringCodec.UTF8).add("SETUSER").add("rill").add("on").add(">pw").addValues(RULES));
            admin.commands().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8),
                    new CommandArgs<>(StringCodec.UTF8).add("LOG").add("RESET"));
            admin.add(stream, 20, java.util.Map.of("n", "x"));
            admin.commands().xadd(stream, java.util.Map.of("poison", "1"));
            RedisClient client = RedisClient.create("redis://rill:pw@" + server.host() + ":" + server.port());
            try (Rill rill = Rill.create(client)) {
                java.util.Set<String> handled = java.util.concurrent.ConcurrentHashMap.newKeySet();
                Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group("billing").consumer("c1")
                        .startPosition(StartPosition.EARLIEST)
                        .retry(io.rill.RetryOptions.builder().maxAttempts(2).backoff(Duration.ofMillis(5), Duration.ofMillis(10), 2.0, 0).build())
                        .reclaim(io.rill.ReclaimOptions.builder().minIdle(Duration.ofMillis(300)).interval(Duration.ofMillis(100)).build())
                        .deadLetter(io.rill.DeadLetterOptions.builder().maxFailures(4).build()).build(), entry -> {
                            if (entry.field("poison") != null) {
                                throw new IllegalStateException("poison");
                            }
                            handled.add(entry.id());
                        });
                // read, retried, failure-counted, reclaimed, dead-lettered, acked, paused and resumed, as that user
                await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 20
                        && admin.commands().exists(stream + ":dlq") == 1 && admin.pending(stream, "billing") == 0);
                sub.pause();
                sub.resume();
                assertEquals(SubscriptionState.RUNNING, sub.state(), String.valueOf(sub.lastError()));
                assertEquals(1, admin.commands().exists("{" + stream + "}:rill:consumer:billing:c1"), "identity claimed");
            } finally {
                client.shutdown();
            }
            assertEquals(0, admin.commands().exists("{" + stream + "}:rill:consumer:billing:c1"), "identity released");
            // nothing Rill sent was refused along the way, inside scripts included (ACL LOG records every denial)
            List<Object> denied = admin.commands().dispatch(CommandType.ACL, new NestedMultiOutput<>(StringCodec.UTF8),
                    new CommandArgs<>(StringCodec.UTF8).add("LOG"));
            assertEquals(List.of(), denied, "commands refused to a user with the documented rules");
        }
    }

    @Test
    void aUserWithoutXackFailsTheSubscriptionInsteadOfFillingItsWindow() {
        try (RedisFixture admin = new RedisFixture(server)) {
            user(admin, "noack", "-xack");
        }
        assertFailsWith("noack", "XACK", "NOPERM");
    }

    @Test
    void aUserWithoutScriptingFailsTheSubscription() {
        try (RedisFixture admin = new RedisFixture(server)) {
            user(admin, "noscript", "-@scripting");
        }
        assertFailsWith("noscript", "NOPERM");
    }

    /**
     * Semantics 10 and 11: a subscription that failed because Redis refuses XACK stops without waiting out
     * shutdown-timeout for acks it cannot send: its stop ends (and it leaves the running list) long before.
     */
    @Test
    void aSubscriptionFailedByRefusedAcksDoesNotWaitOutShutdownTimeout() {
        try (RedisFixture admin = new RedisFixture(server)) {
            user(admin, "noack2", "-xack");
        }
        String stream = RedisFixture.unique("orders");
        try (RedisFixture admin = new RedisFixture(server)) {
            admin.add(stream, 5);
        }
        RedisClient client = RedisClient.create("redis://noack2:pw@" + server.host() + ":" + server.port());
        try (Rill rill = Rill.create(client)) {
            Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group("billing").consumer("c1")
                    .startPosition(StartPosition.EARLIEST).shutdownTimeout(Duration.ofSeconds(60)).build(), entry -> {
                    });
            await().atMost(Duration.ofSeconds(30)).until(() -> sub.state() == SubscriptionState.FAILED);
            // the failed stop is over once the subscription has left the list: far sooner than 60 s
            await().atMost(Duration.ofSeconds(20)).until(() -> rill.subscriptions().isEmpty());
            assertTrue(String.valueOf(sub.lastError().orElseThrow().getMessage()).contains("NOPERM"));
        } finally {
            client.shutdown();
        }
    }
}
