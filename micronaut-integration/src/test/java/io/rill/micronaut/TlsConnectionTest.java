package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Requires;
import io.rill.SubscriptionState;
import io.rill.micronaut.annotation.MessageId;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.RedisServerOptions;
import io.rill.testing.TestCertificates;

/**
 * docs/operations.md, TLS with Micronaut: {@code redis.uri: rediss://...} and the truststore set on
 * micronaut-redis's clients by a {@code BeanCreatedEventListener<RedisClient>} (docs' {@code RedisTls}):
 * the startup check, the listener's reads and acks all go over TLS to a server whose certificate a
 * throwaway CA signed.
 */
class TlsConnectionTest {

    static final String SPEC = "TlsConnectionTest";
    static final Set<String> handled = ConcurrentHashMap.newKeySet();

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "billing", consumer = "tls-1")
    static class Billing {
        @Stream("tls:orders")
        void onOrder(@MessageId String id) {
            handled.add(id);
        }
    }

    @Test
    void aListenerReadsAndAcksOverRediss() {
        handled.clear();
        try (RedisServer server = RedisServer.startLocal(RedisServerOptions.builder().tls(true).build());
                RedisFixture redis = new RedisFixture(server)) {
            Set<String> ids = Set.copyOf(redis.add("tls:orders", 10));
            try (ApplicationContext context = ApplicationContext.run(Map.of(
                    "spec.name", SPEC,
                    "redis.uri", server.tlsUri(),
                    "app.redis.truststore", server.tlsCertificates().trustStore().toString(),
                    "app.redis.truststore-password", TestCertificates.PASSWORD,
                    "rill.consumers.billing.start-position", "earliest",
                    "rill.consumers.billing.block-timeout", "200ms"))) {
                await().atMost(Duration.ofSeconds(20)).until(() -> handled.containsAll(ids)
                        && redis.allAcked("tls:orders", "billing"));
                SubscriptionInfo info = context.getBean(RillSubscriptions.class).get("billing/tls-1/tls:orders").orElseThrow();
                assertEquals(SubscriptionState.RUNNING, info.state().orElseThrow());
            }
        }
    }
}
