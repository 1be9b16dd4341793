package io.rill.spring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
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

import io.lettuce.core.StreamMessage;
import io.rill.Subscription;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

/**
 * {@code @SendTo} is exactly-once by default (semantics 12): the output commits with the input's
 * acknowledgement, so an input acknowledged meanwhile (by another consumer that handled it after a reclaim,
 * or a commit whose answer was lost) gets no second output. {@code @SendTo(transactional = false)} keeps
 * publish-then-ack, which writes it again. A batch method returns one value per entry.
 */
@SpringBootTest(classes = TransactionalSendToTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {"rill.consumers.default.block-timeout=200ms", "rill.consumers.default.start-position=earliest",
                "rill.consumers.billing.consumer=b1"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext
class TransactionalSendToTest {

    static final RedisServer server = RedisServer.start();
    private static final Duration LONG = Duration.ofSeconds(30);

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", server::uri);
    }

    @Component
    static class Billing {
        final CountDownLatch entered = new CountDownLatch(2);
        final CountDownLatch release = new CountDownLatch(1);

        @RedisStreamListener(streams = "tx:orders", group = "billing")
        @SendTo("tx:invoices")
        Map<String, String> exactlyOnce(@Field("orderId") String orderId) throws InterruptedException {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
            return Map.of("orderId", orderId, "kind", "transactional");
        }

        @RedisStreamListener(streams = "tx:legacy-orders", group = "billing")
        @SendTo(value = "tx:legacy-invoices", transactional = false)
        Map<String, String> publishThenAck(@Field("orderId") String orderId) throws InterruptedException {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
            return Map.of("orderId", orderId, "kind", "publish-then-ack");
        }

        @RedisStreamListener(streams = "tx:batch-orders", group = "billing", batch = true)
        @SendTo("tx:batch-invoices")
        List<Map<String, String>> batch(List<Map<String, String>> orders) {
            return orders.stream().map(o -> o.get("orderId").endsWith("0") ? null : Map.of("orderId", o.get("orderId"))).toList();
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(Billing.class)
    static class App {
        @Bean
        DisposableBean redisServer() {
            return server::close;
        }
    }

    @Autowired
    Billing billing;
    @Autowired
    RillSubscriptions subscriptions;

    private final RedisFixture redis = new RedisFixture(server);

    @AfterAll
    void stop() {
        redis.close();
    }

    @Test
    void theDefaultCommitsTheOutputWithTheAckAndTheOptOutPublishesThenAcks() {
        String input = redis.add("tx:orders", "orderId", "o-1");
        String legacy = redis.add("tx:legacy-orders", "orderId", "o-2");
        await().atMost(LONG).until(() -> billing.entered.getCount() == 0);
        // while both handlers run, their inputs are acknowledged elsewhere (as a second consumer's commit would)
        assertEquals(1L, redis.commands().xack("tx:orders", "billing", input));
        assertEquals(1L, redis.commands().xack("tx:legacy-orders", "billing", legacy));
        billing.release.countDown();

        await().atMost(LONG).until(() -> redis.entries("tx:legacy-invoices").size() == 1);
        Subscription sub = subscriptions.list().stream().filter(i -> i.options().streams().contains("tx:orders"))
                .map(i -> subscriptions.subscription(i.id()).orElseThrow()).findFirst().orElseThrow();
        // the transactional commit ran and its XACK said "acknowledged already": the input left the in-flight window
        await().atMost(LONG).until(() -> sub.inFlight() == 0);
        assertEquals(0, redis.commands().exists("tx:invoices"), "no second output for an input acknowledged meanwhile");
        assertEquals("publish-then-ack", redis.entries("tx:legacy-invoices").get(0).getBody().get("kind"));
    }

    @Test
    void aBatchMethodReturnsOneValuePerEntryAndEachCommitsWithItsInput() {
        for (int i = 1; i <= 30; i++) {
            redis.add("tx:batch-orders", "orderId", "b-" + i);
        }
        await().atMost(LONG).until(() -> redis.entries("tx:batch-invoices").size() >= 27 && redis.allAcked("tx:batch-orders", "billing"));
        List<String> ids = redis.entries("tx:batch-invoices").stream().map(StreamMessage::getBody).map(b -> b.get("orderId")).toList();
        assertEquals(27, ids.size(), "b-10, b-20, b-30 returned null: no output");
        assertEquals(27, ids.stream().distinct().count(), ids.toString());
        assertTrue(ids.stream().noneMatch(id -> id.endsWith("0")), ids.toString());
    }
}
