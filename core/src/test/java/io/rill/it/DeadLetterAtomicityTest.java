package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.rill.Backoff;
import io.rill.DeadLetterOptions;
import io.rill.JanitorOptions;
import io.rill.RetryOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.deadletter.DeadLetter;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.TcpProxy;

/**
 * The dead-letter move (XADD to the dead-letter stream, XACK of the original) is atomic, and repeating
 * it is harmless (semantics 7). The connection is cut exactly while the move is in flight: once
 * after Redis ran it and before its reply arrived, once before Redis got it. At the cut the two
 * effects are both there or both missing; after recovery there is exactly one dead letter and the
 * original is acked, although the client re-sends what the cut left unanswered.
 */
class DeadLetterAtomicityTest {

    private static final String STREAM = "orders";
    private static final String DLQ = "orders:dlq";
    private static final String GROUP = "billing";

    private static SubscriptionOptions options() {
        return SubscriptionOptions.builder().streams(STREAM).group(GROUP).consumer("c1")
                .startPosition(StartPosition.EARLIEST)
                .blockTimeout(Duration.ofSeconds(30)) // the reader sits in one blocking read: no other traffic
                .backoff(Backoff.of(Duration.ofMillis(50), Duration.ofMillis(500)))
                .retry(RetryOptions.builder().maxAttempts(1).build())
                .deadLetter(DeadLetterOptions.builder().maxFailures(1).build())
                .janitor(JanitorOptions.builder().enabled(false).build())
                .build();
    }

    /** The poison entry is pending in the group (not acked). */
    private static boolean pending(RedisFixture redis, String id) {
        return redis.commands().xpending(STREAM, GROUP, Range.create(id, id), Limit.from(1)).size() == 1;
    }

    private static long deadLetters(RedisFixture redis, String id) {
        List<StreamMessage<String, String>> all = redis.commands().xrange(DLQ, Range.create("-", "+"));
        return all.stream().filter(m -> id.equals(m.getBody().get(DeadLetter.ID))).count();
    }

    @Test
    void aReplyLostAfterTheMoveRanLeavesBothEffectsAndNoDuplicate() throws Exception {
        run(true);
    }

    @Test
    void aMoveLostBeforeRedisGotItLeavesNeitherEffectAndIsCompletedOnce() throws Exception {
        run(false);
    }

    private static void run(boolean redisRanIt) throws Exception {
        try (RedisServer server = RedisServer.startLocal();
                TcpProxy proxy = TcpProxy.start(server.host(), server.port());
                RedisFixture direct = new RedisFixture(server);
                RedisFixture viaProxy = new RedisFixture(proxy.uri())) {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch fail = new CountDownLatch(1);
            Set<String> handled = ConcurrentHashMap.newKeySet();
            try (Rill rill = Rill.create(viaProxy.client())) {
                Subscription sub = rill.subscribe(options(), entry -> {
                    if (entry.field("n").equals("poison")) {
                        entered.countDown();
                        fail.await();
                        throw new IllegalStateException("poison");
                    }
                    handled.add(entry.id());
                });
                // one entry handled and acked first: the command connection is open before the proxy holds anything
                String first = direct.commands().xadd(STREAM, Map.of("n", "first"));
                await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(first) && direct.pending(STREAM, GROUP) == 0);
                String poison = direct.commands().xadd(STREAM, Map.of("n", "poison"));
                entered.await();

                if (redisRanIt) {
                    proxy.holdReplies();
                    fail.countDown();
                    // Redis ran the move; its reply waits in the proxy, the client does not know the outcome
                    await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters(direct, poison) == 1 && proxy.held() > 0);
                    assertTrue(!pending(direct, poison), "dead-lettered but still pending");
                } else {
                    proxy.holdRequests();
                    fail.countDown();
                    // the move is on its way but Redis has not got it
                    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.held() > 0);
                    assertEquals(0, deadLetters(direct, poison));
                    assertTrue(pending(direct, poison), "acked but not dead-lettered");
                }
                assertEquals(1, sub.inFlight(), "the move's reply was not awaited");

                proxy.cut();
                proxy.release();
                // at the cut: both effects or neither
                assertEquals(redisRanIt ? 1 : 0, deadLetters(direct, poison));
                assertEquals(!redisRanIt, pending(direct, poison));
                proxy.restore();

                // recovery: the client re-sends the move; a second run finds nothing pending and does nothing
                await().atMost(Duration.ofSeconds(60)).until(() -> sub.inFlight() == 0 && !pending(direct, poison)
                        && sub.state() == SubscriptionState.RUNNING);
                List<String> after = direct.add(STREAM, 5);
                await().atMost(Duration.ofSeconds(60)).until(() -> handled.containsAll(after));
                assertEquals(1, deadLetters(direct, poison));
                assertEquals(1, direct.commands().xlen(DLQ));
                assertEquals(0, direct.pending(STREAM, GROUP));
            }
        }
    }
}
