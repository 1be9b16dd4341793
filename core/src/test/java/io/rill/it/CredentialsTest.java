package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisClient;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

/** Semantics 10: bad credentials are an error retrying cannot fix: FAILED with the server's message, not RECOVERING. */
class CredentialsTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private static Subscription subscribe(Rill rill) {
        return rill.subscribe(SubscriptionOptions.builder().streams("orders").group("billing").consumer("c1")
                .startPosition(StartPosition.EARLIEST).build(), entry -> {
                });
    }

    @Test
    void aWrongPasswordOrNoneFailsTheSubscriptionWithTheServersMessage() {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture admin = new RedisFixture(server)) {
            admin.commands().configSet("requirepass", "s3cret"); // the admin connection stays authenticated
            for (String[] attempt : new String[][] { { "redis://:wrong@", "WRONGPASS" }, { "redis://", "NOAUTH" } }) {
                RedisClient client = RedisClient.create(attempt[0] + server.host() + ":" + server.port());
                try (Rill rill = Rill.create(client)) {
                    Subscription sub = subscribe(rill);
                    await().atMost(LONG).until(() -> sub.state().isTerminal());
                    assertEquals(SubscriptionState.FAILED, sub.state(), attempt[0]);
                    String message = String.valueOf(sub.lastError().orElseThrow().getMessage());
                    assertTrue(message.startsWith(attempt[1]), "lastError: " + message);
                } finally {
                    client.shutdown();
                }
            }
            // the right password works on the same server
            RedisClient client = RedisClient.create("redis://:s3cret@" + server.host() + ":" + server.port());
            try (Rill rill = Rill.create(client)) {
                Subscription sub = subscribe(rill);
                await().atMost(LONG).until(() -> sub.state() == SubscriptionState.RUNNING);
            } finally {
                client.shutdown();
            }
        }
    }
}
