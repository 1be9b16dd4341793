package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/**
 * A client's command timeouts and the subscription's blocking reads (semantics 10): every timeout
 * configuration either works through idle reads or is refused at subscribe, naming both settings.
 */
@WithRedis
class ClientTimeoutTest {

    private final RedisServer server;

    ClientTimeoutTest(RedisServer server) {
        this.server = server;
    }

    private RedisClient client(TimeoutOptions timeouts, Duration defaultTimeout) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost(server.host()).withPort(server.port())
                .withTimeout(defaultTimeout).build());
        client.setOptions(ClientOptions.builder().timeoutOptions(timeouts).build());
        return client;
    }

    private static SubscriptionOptions options(String stream, Duration blockTimeout) {
        return SubscriptionOptions.builder().streams(stream).group("billing").consumer("c1")
                .startPosition(StartPosition.EARLIEST).blockTimeout(blockTimeout).build();
    }

    @Test
    void aFixedTimeoutShorterThanTheBlockIsRefusedAtSubscribeNamingBothSettings() {
        RedisClient client = client(TimeoutOptions.enabled(Duration.ofSeconds(1)), Duration.ofSeconds(60));
        try (Rill rill = Rill.create(client)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> rill.subscribe(options(RedisFixture.unique("orders"), Duration.ofSeconds(2)), entry -> {
                    }));
            assertTrue(e.getMessage().startsWith("block-timeout (PT2S)") && e.getMessage().contains("TimeoutOptions"),
                    e.getMessage());
            assertEquals(List.of(), rill.subscriptions());
        } finally {
            client.shutdown();
        }
    }

    @Test
    void idleReadsOutlastShorterClientTimeoutsWhenTheyAreNotFixedOrLongEnough() {
        for (TimeoutOptions timeouts : List.of(TimeoutOptions.enabled(), TimeoutOptions.enabled(Duration.ofSeconds(2)))) {
            // the client's own default timeout (100 ms) is shorter than the read's BLOCK (300 ms)
            RedisClient client = client(timeouts, Duration.ofMillis(100));
            String stream = RedisFixture.unique("orders");
            try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(client)) {
                long readsBefore = redis.xreadgroupCalls();
                Set<String> handled = ConcurrentHashMap.newKeySet();
                Subscription sub = rill.subscribe(options(stream, Duration.ofMillis(300)), entry -> handled.add(entry.id()));
                await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.RUNNING);
                Instant running = sub.stateSince();
                // several reads that found nothing and waited out their BLOCK
                await().atMost(Duration.ofSeconds(20)).until(() -> redis.xreadgroupCalls() - readsBefore >= 6);
                List<String> ids = redis.add(stream, 10);
                await().atMost(Duration.ofSeconds(10)).until(() -> handled.containsAll(ids));
                assertEquals(SubscriptionState.RUNNING, sub.state(), String.valueOf(timeouts.getSource()));
                assertEquals(running, sub.stateSince(), "it never left RUNNING: " + sub.lastError());
            } finally {
                client.shutdown();
            }
        }
    }
}
