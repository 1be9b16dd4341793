package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.Consumer;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.rill.ReclaimOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/**
 * Start positions and seek (issue 12, item 8): a new group at an ID or a time reads exactly from there, the
 * entry at the position included; {@link Rill#seek} moves an existing group back (replay) or forward
 * (skip), leaves the pending entries list alone, and refuses while a subscription of the group reads.
 */
@WithRedis
class SeekTest {

    private final RedisFixture redis;
    private final Rill rill;

    SeekTest(RedisServer server) {
        this.redis = new RedisFixture(server);
        this.rill = Rill.create(redis.client());
    }

    @AfterEach
    void stop() {
        rill.close(Duration.ofSeconds(5));
        redis.close();
    }

    private SubscriptionOptions.Builder options(String stream, String group) {
        return SubscriptionOptions.builder().streams(stream).group(group).consumer("c1").blockTimeout(Duration.ofMillis(200))
                .reclaim(ReclaimOptions.builder().enabled(false).build());
    }

    private Subscription subscribe(SubscriptionOptions options, List<String> handled) {
        Subscription sub = rill.subscribe(options, entry -> handled.add(entry.id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.state() == SubscriptionState.RUNNING);
        return sub;
    }

    /** XADDs entries with the given IDs; returns them. */
    private List<String> addWithIds(String stream, String... ids) {
        for (String id : ids) {
            redis.commands().xadd(stream, new io.lettuce.core.XAddArgs().id(id), Map.of("id", id));
        }
        return List.of(ids);
    }

    private String lastDeliveredId(String stream, String group) {
        for (Object g : redis.commands().xinfoGroups(stream)) {
            List<?> fields = (List<?>) g;
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                if (fields.get(i).equals("name") && !fields.get(i + 1).equals(group)) {
                    break;
                }
                if (fields.get(i).equals("last-delivered-id")) {
                    return String.valueOf(fields.get(i + 1));
                }
            }
        }
        throw new AssertionError("no group " + group + " on " + stream);
    }

    @Test
    void aNewGroupAtAnIdReadsFromThatEntryOn() {
        String stream = RedisFixture.unique("orders");
        List<String> ids = redis.add(stream, 10);
        List<String> handled = new CopyOnWriteArrayList<>();
        subscribe(options(stream, RedisFixture.unique("g")).startPosition(StartPosition.at(ids.get(3))).build(), handled);
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() >= 7);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 7);
        assertEquals(ids.subList(3, 10), handled, "the entry at the position and every one after it, in order");

        // an ID no entry has: from the next one
        String sparse = RedisFixture.unique("orders");
        addWithIds(sparse, "5-0", "5-3", "7-0");
        List<String> between = new CopyOnWriteArrayList<>();
        subscribe(options(sparse, RedisFixture.unique("g")).startPosition(StartPosition.at("5-1")).build(), between);
        await().atMost(Duration.ofSeconds(10)).until(() -> between.size() >= 2);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> between.size() == 2);
        assertEquals(List.of("5-3", "7-0"), between);
    }

    /**
     * A time is the ID {@code <ms>-0}: entries added in that millisecond are read, sequence 0 included (the
     * group is created at the last ID of the millisecond before), those of earlier milliseconds are not.
     */
    @Test
    void aNewGroupAtATimeReadsWhatWasAddedFromThatMillisecondOn() {
        String stream = RedisFixture.unique("orders");
        addWithIds(stream, "1000-0", "1999-0", "1999-7");
        List<String> from2000 = addWithIds(stream, "2000-0", "2000-1", "2001-0", "3000-0");
        List<String> handled = new CopyOnWriteArrayList<>();
        subscribe(options(stream, RedisFixture.unique("g")).startPosition(StartPosition.at(Instant.ofEpochMilli(2000))).build(),
                handled);
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() >= 4);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 4);
        assertEquals(from2000, handled);

        // the same from configuration text
        List<String> parsed = new CopyOnWriteArrayList<>();
        subscribe(options(stream, RedisFixture.unique("g")).startPosition(StartPosition.parse("1970-01-01T00:00:02.001Z"))
                .build(), parsed);
        await().atMost(Duration.ofSeconds(10)).until(() -> parsed.size() >= 2);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> parsed.size() == 2);
        assertEquals(List.of("2001-0", "3000-0"), parsed);
    }

    /** Real time: a group started at a moment between two batches reads the second batch only. */
    @Test
    void aNewGroupAtTheTimeOfAnEntryReadsFromThatEntry() {
        String stream = RedisFixture.unique("orders");
        redis.add(stream, 5);
        List<String> later = redis.add(stream, 5);
        Instant added = Instant.ofEpochMilli(Long.parseLong(later.get(0).split("-")[0]));
        List<String> expected = redis.entries(stream).stream().map(e -> e.getId())
                .filter(id -> Long.parseLong(id.split("-")[0]) >= added.toEpochMilli()).toList();
        List<String> handled = new CopyOnWriteArrayList<>();
        subscribe(options(stream, RedisFixture.unique("g")).startPosition(StartPosition.at(added)).build(), handled);
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() >= expected.size());
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == expected.size());
        assertEquals(expected, handled);
        assertTrue(handled.containsAll(later));
    }

    @Test
    void seekBackReplaysAndSeekForwardSkips() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        List<String> ids = redis.add(stream, 6);
        List<String> handled = new CopyOnWriteArrayList<>();
        Subscription sub = subscribe(options(stream, group).startPosition(StartPosition.EARLIEST).build(), handled);
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 6 && redis.pending(stream, group) == 0);

        // back to the third entry: the acknowledged entries from there on are handled again
        sub.pause();
        rill.seek(stream, group, StartPosition.at(ids.get(2)));
        assertEquals(StartPosition.at(ids.get(2)).id(), lastDeliveredId(stream, group));
        sub.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() >= 10 && redis.pending(stream, group) == 0);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 10);
        assertEquals(ids.subList(2, 6), handled.subList(6, 10));

        // forward: entries added while paused, up to the position, are never handed out
        sub.pause();
        List<String> added = redis.add(stream, 4);
        rill.seek(stream, group, StartPosition.at(added.get(2)));
        sub.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() >= 12);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 12);
        assertEquals(added.subList(2, 4), handled.subList(10, 12));

        // latest: nothing that is there now; what comes next
        sub.pause();
        redis.add(stream, 3);
        rill.seek(stream, group, StartPosition.LATEST);
        sub.resume();
        String next = redis.add(stream, "n", "next");
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() >= 13);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 13);
        assertEquals(next, handled.get(12));

        // back to a time: the entries added from that millisecond on
        sub.pause();
        Instant time = Instant.ofEpochMilli(Long.parseLong(added.get(0).split("-")[0]));
        rill.seek(stream, group, StartPosition.at(time));
        List<String> expected = redis.entries(stream).stream().map(e -> e.getId())
                .filter(id -> Long.parseLong(id.split("-")[0]) >= time.toEpochMilli()).toList();
        sub.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() >= 13 + expected.size());
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 13 + expected.size());
        assertEquals(expected, handled.subList(13, handled.size()));
        assertEquals(0, redis.pending(stream, group));
    }

    /**
     * Entries pending stay pending, with their consumer and delivery count, whether the seek goes past them
     * forward or back to before them (there a read of new entries hands them out again, as Redis does).
     */
    @Test
    void seekLeavesThePendingEntriesListAlone() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        List<String> ids = redis.add(stream, 3);
        redis.commands().xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group);
        // another consumer (of another process, say) holds the first two and never acknowledges them
        redis.commands().xreadgroup(Consumer.from(group, "other"), XReadArgs.Builder.count(2),
                XReadArgs.StreamOffset.lastConsumed(stream));
        rill.seek(stream, group, StartPosition.LATEST); // no subscription of this Rill reads the group: allowed
        assertEquals(Set.copyOf(ids.subList(0, 2)), redis.pendingIds(stream, group, "other"));
        for (PendingMessage p : redis.commands().xpending(stream, Consumer.from(group, "other"), Range.create("-", "+"),
                Limit.from(10))) {
            assertEquals(1, p.getRedeliveryCount());
        }
        List<String> handled = new CopyOnWriteArrayList<>();
        subscribe(options(stream, group).build(), handled);
        String next = redis.add(stream, "n", "3");
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 1 && redis.pending(stream, group) == 2);
        assertEquals(List.of(next), handled, "the seek to latest skipped entry 2; entries 0 and 1 are the other's");
        assertEquals(Set.copyOf(ids.subList(0, 2)), redis.pendingIds(stream, group, "other"));

        // back to the start: the next read of new entries hands out everything, the other's pending ones too
        Subscription sub = rill.subscriptions().getFirst();
        sub.pause();
        rill.seek(stream, group, StartPosition.EARLIEST);
        sub.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() >= 5 && redis.pending(stream, group) == 0);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 5);
        assertEquals(List.of(ids.get(0), ids.get(1), ids.get(2), next), handled.subList(1, 5));
        assertEquals(Set.of(), redis.pendingIds(stream, group, "other"));
    }

    @Test
    void seekRefusesWhileASubscriptionOfTheGroupReads() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        redis.add(stream, 2);
        List<String> handled = new CopyOnWriteArrayList<>();
        Subscription sub = subscribe(options(stream, group).build(), handled);
        String before = lastDeliveredId(stream, group);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> rill.seek(stream, group, StartPosition.EARLIEST));
        assertTrue(e.getMessage().contains(sub.id()) && e.getMessage().contains("pause"), e.getMessage());
        assertEquals(before, lastDeliveredId(stream, group), "the group moved although the seek was refused");
        assertEquals(List.of(), handled);

        // another group on the same stream, or the same group on another stream, is not in the way
        String other = RedisFixture.unique("orders");
        redis.add(other, 1);
        redis.commands().xgroupCreate(XReadArgs.StreamOffset.from(other, "$"), group);
        rill.seek(other, group, StartPosition.EARLIEST);
        assertEquals("0-0", lastDeliveredId(other, group));
    }

    @Test
    void seekOfAMissingGroupOrStreamSaysSo() {
        String stream = RedisFixture.unique("orders");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> rill.seek(stream, "billing", StartPosition.EARLIEST));
        assertTrue(e.getMessage().contains("stream '" + stream + "' does not exist"), e.getMessage());
        redis.add(stream, 1);
        e = assertThrows(IllegalArgumentException.class, () -> rill.seek(stream, "billing", StartPosition.EARLIEST));
        assertTrue(e.getMessage().contains("group 'billing' does not exist on stream '" + stream + "'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> rill.seek(stream, "billing", null));
    }
}
