package io.rill.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

class TcpProxyTest {

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.startLocal();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void forwards() {
        try (TcpProxy proxy = TcpProxy.start(redis.host(), redis.port())) {
            assertEquals("redis://127.0.0.1:" + proxy.port(), proxy.uri());
            Lettuce.with(proxy.uri(), c -> c.set("via", "proxy"));
            assertEquals("proxy", Lettuce.with(redis.uri(), c -> c.get("via")));
        }
    }

    @Test
    void cutBreaksOpenAndNewConnectionsUntilRestored() {
        try (TcpProxy proxy = TcpProxy.start(redis.host(), redis.port())) {
            RedisClient direct = RedisClient.create(RedisURI.create(proxy.uri()));
            // no reconnect: commands on a dropped connection fail at once instead of being queued
            direct.setOptions(ClientOptions.builder().autoReconnect(false).build());
            try {
                StatefulRedisConnection<String, String> connection = direct.connect();
                connection.sync().set("k", "v");
                await().until(() -> proxy.openConnections() == 1);

                proxy.cut();
                await().untilAsserted(() -> assertThrows(RedisException.class, () -> connection.sync().get("k")));
                assertEquals(0, proxy.openConnections());
                assertThrows(RedisConnectionException.class, direct::connect);

                proxy.restore();
                try (StatefulRedisConnection<String, String> again = direct.connect()) {
                    assertEquals("v", again.sync().get("k"));
                }
                connection.close();
            } finally {
                Lettuce.shutdown(direct);
            }
        }
    }

    @Test
    void aReconnectingClientResumesAfterRestore() {
        ClientResources resources = ClientResources.builder()
                .reconnectDelay(Delay.constant(Duration.ofMillis(20))) // default backoff grows to 30 s
                .build();
        try (TcpProxy proxy = TcpProxy.start(redis.host(), redis.port())) {
            RedisClient client = RedisClient.create(resources, RedisURI.create(proxy.uri()));
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                connection.sync().set("r", "1");

                proxy.cut();
                await().until(() -> !connection.isOpen());

                proxy.restore();
                await().until(connection::isOpen);
                assertEquals(2L, connection.sync().incr("r"));
            } finally {
                Lettuce.shutdown(client);
                resources.shutdown(0, 2, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void latencyStillForwards() {
        try (TcpProxy proxy = TcpProxy.start(redis.host(), redis.port())) {
            proxy.latency(Duration.ofMillis(30));
            assertEquals("PONG", Lettuce.with(proxy.uri(), c -> c.ping()));
            proxy.latency(Duration.ZERO);
            assertEquals("PONG", Lettuce.with(proxy.uri(), c -> c.ping()));
        }
    }

    @Test
    void heldRepliesAreDroppedByACutAfterTheServerRanTheCommand() {
        try (TcpProxy proxy = TcpProxy.start(redis.host(), redis.port())) {
            RedisClient client = RedisClient.create(RedisURI.create(proxy.uri()));
            client.setOptions(ClientOptions.builder().autoReconnect(false).build());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                connection.sync().ping();
                proxy.holdReplies();
                var reply = connection.async().set("held-reply", "ran");
                // the command reached Redis; its reply waits in the proxy
                await().until(() -> "ran".equals(Lettuce.with(redis.uri(), c -> c.get("held-reply"))));
                await().until(() -> proxy.held() == 1);
                proxy.cut();
                await().until(reply::isDone);
                assertThrows(Exception.class, reply::get);
                assertEquals(0, proxy.held());
            } finally {
                proxy.release();
                Lettuce.shutdown(client);
            }
        }
    }

    @Test
    void heldRequestsNeverReachTheServerWhenCutAndFlowWhenReleased() {
        try (TcpProxy proxy = TcpProxy.start(redis.host(), redis.port())) {
            RedisClient client = RedisClient.create(RedisURI.create(proxy.uri()));
            client.setOptions(ClientOptions.builder().autoReconnect(false).build());
            try (StatefulRedisConnection<String, String> first = client.connect();
                    StatefulRedisConnection<String, String> second = client.connect()) {
                proxy.holdRequests();
                var released = first.async().set("held-request", "released");
                await().until(() -> proxy.held() == 1);
                proxy.release();
                assertEquals("OK", released.get(10, TimeUnit.SECONDS));

                proxy.holdRequests();
                var dropped = second.async().set("held-request", "dropped");
                await().until(() -> proxy.held() == 1);
                proxy.cut();
                await().until(dropped::isDone);
                assertEquals("released", Lettuce.with(redis.uri(), c -> c.get("held-request")));
            } catch (Exception e) {
                throw new AssertionError(e);
            } finally {
                proxy.release();
                Lettuce.shutdown(client);
            }
        }
    }

    @Test
    void closeDropsEverything() {
        TcpProxy proxy = TcpProxy.start(redis.host(), redis.port());
        RedisClient client = RedisClient.create(RedisURI.create(proxy.uri()));
        client.setOptions(ClientOptions.builder().autoReconnect(false).build());
        try {
            StatefulRedisConnection<String, String> connection = client.connect();
            await().until(() -> proxy.openConnections() == 1);
            proxy.close();
            assertEquals(0, proxy.openConnections());
            await().until(() -> !connection.isOpen());
            assertThrows(RedisConnectionException.class, client::connect);
        } finally {
            Lettuce.shutdown(client);
        }
    }
}
