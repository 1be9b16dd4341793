package io.rill.internal.publish;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rill.CheckpointOptions.Fsync;
import io.rill.OutboxOptions;
import io.rill.Output;
import io.rill.publish.OutboxFullException;

/**
 * The outbox against a stand-in for Redis that is down or up on demand: entries are kept in its journal
 * across a reopen, sent in publish order, recovered ones before new ones, never dropped when it is full,
 * and its directory is held by one producer at a time.
 */
class OutboxTest {

    @TempDir
    Path dir;

    /** Redis as the outbox sees it: refuses while down, records what it was sent while up. */
    private static final class FakeRedis implements Outbox.Sender {
        final AtomicBoolean up = new AtomicBoolean();
        final List<String> keys = Collections.synchronizedList(new ArrayList<>());

        @Override
        public List<CompletableFuture<String>> send(List<KeyedEntry> entries) {
            if (!up.get()) {
                throw new IllegalStateException("connection refused");
            }
            List<CompletableFuture<String>> ids = new ArrayList<>();
            for (KeyedEntry entry : entries) {
                keys.add(entry.idempotencyKey());
                ids.add(CompletableFuture.completedFuture(keys.size() + "-0"));
            }
            return ids;
        }
    }

    private static KeyedEntry entry(int i) {
        return new KeyedEntry("k" + i, Output.of("orders", Map.of("n", Integer.toString(i))));
    }

    private OutboxOptions options(String identity) {
        return OutboxOptions.builder().directory(dir).identity(identity).fsync(Fsync.NEVER).build();
    }

    @Test
    void entriesWaitInTheJournalAcrossAReopenAndAreSentInOrderRecoveredOnesFirst() {
        FakeRedis redis = new FakeRedis();
        try (Outbox outbox = Outbox.open(options("p1"), redis, Duration.ofSeconds(5))) {
            for (int i = 0; i < 500; i++) {
                outbox.add(entry(i));
            }
            assertEquals(500, outbox.buffered());
        } // closes while "Redis" is down: nothing sent, nothing lost
        assertTrue(redis.keys.isEmpty());

        redis.up.set(true);
        try (Outbox outbox = Outbox.open(options("p1"), redis, Duration.ofSeconds(5))) {
            // published while the recovered 500 may still be waiting: they must go behind them
            List<CompletableFuture<String>> later = new ArrayList<>();
            for (int i = 500; i < 1000; i++) {
                later.add(outbox.add(entry(i)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> outbox.buffered() == 0);
            assertTrue(later.stream().allMatch(CompletableFuture::isDone));
        }
        assertEquals(IntStream.range(0, 1000).mapToObj(i -> "k" + i).toList(), redis.keys);

        try (Outbox outbox = Outbox.open(options("p1"), redis, Duration.ofSeconds(5))) {
            assertEquals(0, outbox.buffered(), "what Redis confirmed is forgotten");
        }
        assertEquals(1000, redis.keys.size());
    }

    @Test
    void aFullOutboxFailsThePublishAndDropsNothing() {
        FakeRedis redis = new FakeRedis();
        OutboxOptions options = options("p2").toBuilder().maxEntries(100).build();
        try (Outbox outbox = Outbox.open(options, redis, Duration.ofSeconds(5))) {
            for (int i = 0; i < 100; i++) {
                outbox.add(entry(i));
            }
            OutboxFullException full = assertThrows(OutboxFullException.class, () -> outbox.add(entry(100)));
            assertEquals("outbox.max-entries", full.option());
            assertTrue(full.getMessage().contains("outbox.max-entries = 100"), full.getMessage());
            assertEquals(100, outbox.buffered());

            redis.up.set(true);
            await().atMost(Duration.ofSeconds(30)).until(() -> outbox.buffered() == 0);
            outbox.add(entry(100)).join(); // room again
        }
        assertEquals(IntStream.range(0, 101).mapToObj(i -> "k" + i).toList(), redis.keys);
    }

    @Test
    void aSecondProducerWithTheSameIdentityFailsNamingIt() {
        FakeRedis redis = new FakeRedis();
        try (Outbox first = Outbox.open(options("billing"), redis, Duration.ofSeconds(5))) {
            IllegalStateException held = assertThrows(IllegalStateException.class,
                    () -> Outbox.open(options("billing"), redis, Duration.ofSeconds(5)));
            assertTrue(held.getMessage().contains("outbox.identity 'billing'"), held.getMessage());
            assertTrue(held.getMessage().contains("is locked by"), held.getMessage());
            try (Outbox other = Outbox.open(options("shipping"), redis, Duration.ofSeconds(5))) {
                assertEquals(0, other.buffered(), "another identity has a directory of its own");
            }
        }
        try (Outbox again = Outbox.open(options("billing"), redis, Duration.ofSeconds(5))) {
            assertEquals(0, again.buffered(), "released at close");
        }
    }
}
