package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

/**
 * A consumer that went away without acking leaves a pending list; the next runtime with the same
 * consumer name handles it first, with history reads that never BLOCK, then new entries (semantics 3).
 */
class OwnPendingFirstTest {

    @Test
    void restartedConsumerHandlesItsOwnPendingEntriesFirst() throws Exception {
        try (RedisServer server = RedisServer.startLocal(); RedisFixture redis = new RedisFixture(server)) {
            String stream = "orders";
            String group = "billing";
            SubscriptionOptions options = SubscriptionOptions.builder().streams(stream).group(group).consumer("billing-1")
                    .startPosition(StartPosition.EARLIEST).batchSize(50).build();
            List<String> firstIds = redis.add(stream, 300);

            // a first runtime reads entries and is stopped without finishing or acking any of them
            CountDownLatch stuck = new CountDownLatch(1);
            Rill first = Rill.create(redis.client());
            Subscription dying = first.subscribe(options, entry -> {
                stuck.countDown();
                new CountDownLatch(1).await(); // blocks until interrupted
            });
            stuck.await();
            await().atMost(Duration.ofSeconds(10)).until(() -> redis.pending(stream, group) >= 50);
            first.close(Duration.ZERO);
            assertEquals(SubscriptionState.STOPPED, dying.state());
            long leftPending = redis.pending(stream, group);
            assertTrue(leftPending >= 50, "nothing was left pending: " + leftPending);

            List<String> newIds = redis.add(stream, 100);
            long readsBefore = redis.xreadgroupCalls();
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            try (Rill second = Rill.create(redis.client())) {
                second.subscribe(options, entry -> order.add(entry.id()));
                await().atMost(Duration.ofSeconds(30)).until(() -> order.size() == 400 && redis.pending(stream, group) == 0);
                // the reader ended up blocked on new entries, after a bounded number of reads
                await().atMost(Duration.ofSeconds(10)).until(redis::readerBlocked);
            }
            List<String> expected = new ArrayList<>(firstIds);
            expected.addAll(newIds);
            List<String> pendingPart = order.subList(0, (int) leftPending);
            // own pending entries come first, in stream order, and they are the oldest ones
            assertEquals(firstIds.subList(0, (int) leftPending), pendingPart);
            assertEquals(expected, order, "entries were not handled pending-first in stream order");
            long reads = redis.xreadgroupCalls() - readsBefore;
            // history: ceil(pending/50) full reads + one short one; new: 1 + ceil(rest/50) + the blocked one
            long bound = leftPending / 50 + 2 + (400 - leftPending) / 50 + 3;
            assertTrue(reads <= bound, "a hot loop? " + reads + " reads, expected at most " + bound);
        }
    }
}
