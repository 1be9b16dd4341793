package io.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

/** Bad configuration fails at build time with a message naming the option (issue 2, behaviour 11). */
class SubscriptionOptionsTest {

    private static SubscriptionOptions.Builder valid() {
        return SubscriptionOptions.builder().streams("orders").group("billing").consumer("billing-1");
    }

    private static void rejects(String option, UnaryOperator<SubscriptionOptions.Builder> change) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> change.apply(valid()).build());
        assertTrue(e.getMessage().startsWith(option), "message should start with '" + option + "': " + e.getMessage());
    }

    @Test
    void defaultsAreValid() {
        SubscriptionOptions o = valid().build();
        assertEquals(List.of("orders"), o.streams());
        assertEquals(SubscriptionOptions.DEFAULT_BATCH_SIZE, o.batchSize());
        assertEquals(StartPosition.LATEST, o.startPosition());
        assertTrue(o.autoCreate());
        assertEquals(o, o.toBuilder().build());
    }

    @Test
    void rejectsBadValuesNamingTheOption() {
        rejects("streams", b -> b.streams(List.of()));
        rejects("streams", b -> b.streams("orders", "orders"));
        rejects("streams", b -> b.streams("orders", " "));
        rejects("group", b -> b.group(null));
        rejects("group", b -> b.group(""));
        rejects("consumer", b -> b.consumer(" "));
        rejects("batch-size", b -> b.batchSize(0));
        rejects("batch-size", b -> b.batchSize(-5));
        rejects("block-timeout", b -> b.blockTimeout(Duration.ofMillis(-1)));
        rejects("block-timeout", b -> b.blockTimeout(Duration.ZERO));
        rejects("block-timeout", b -> b.blockTimeout(Duration.ofNanos(10)));
        rejects("concurrency", b -> b.concurrency(0));
        rejects("ordering-key", b -> b.concurrency(4).orderingKey(" "));
        rejects("ordering-key", b -> b.orderingKey("customer"));
        rejects("max-in-flight", b -> b.maxInFlight(0));
        rejects("max-in-flight", b -> b.streams("a", "b", "c").maxInFlight(2));
        rejects("start-position", b -> b.startPosition(null));
        rejects("ack-flush-size", b -> b.ackFlushSize(0));
        rejects("ack-flush-interval", b -> b.ackFlushInterval(Duration.ZERO));
        rejects("backoff", b -> b.backoff(null));
        rejects("shutdown-timeout", b -> b.shutdownTimeout(Duration.ofSeconds(-1)));
    }

    @Test
    void checkpointIsOffByDefaultAndValidated() {
        assertEquals(CheckpointOptions.OFF, valid().build().checkpoint());
        assertEquals(CheckpointOptions.Journal.OFF, CheckpointOptions.OFF.journal());
        CheckpointOptions file = CheckpointOptions.directory(java.nio.file.Path.of("target/checkpoints"));
        assertEquals(CheckpointOptions.Journal.FILE, file.journal(), "a directory turns the file journal on");
        assertTrue(file.directory().isAbsolute());
        assertEquals(CheckpointOptions.Fsync.INTERVAL, file.fsync());
        assertEquals(java.time.Duration.ofMillis(100), file.fsyncInterval());
        assertEquals(file, file.toBuilder().build());
        rejects("checkpoint", b -> b.checkpoint(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointOptions.builder().journal(CheckpointOptions.Journal.FILE).build());
        assertTrue(e.getMessage().startsWith("checkpoint.directory must be set when checkpoint.journal is file"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointOptions.builder().fsyncInterval(Duration.ZERO).build());
        assertTrue(e.getMessage().startsWith("checkpoint.fsync-interval must be > 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CheckpointOptions.builder().fsync(null).build());
        assertTrue(e.getMessage().startsWith("checkpoint.fsync must be set"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointOptions.builder().directory(java.nio.file.Path.of(" ")).build());
        assertTrue(e.getMessage().startsWith("checkpoint.directory"), e.getMessage());
    }

    @Test
    void consumerMayBeLeftUnsetOnlyWithACheckpointDirectory() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> valid().consumer(null).build());
        assertTrue(e.getMessage().startsWith("consumer must be set") && e.getMessage().contains("checkpoint.directory"),
                e.getMessage());
        // memory journal: nowhere to keep a derived name
        rejects("consumer", b -> b.consumer(null)
                .checkpoint(CheckpointOptions.builder().journal(CheckpointOptions.Journal.MEMORY).build()));
        SubscriptionOptions derived = valid().consumer(null)
                .checkpoint(CheckpointOptions.directory(java.nio.file.Path.of("target/checkpoints"))).build();
        assertEquals(null, derived.consumer());
        // a directory without a journal still derives and locks the name
        valid().consumer(null).checkpoint(CheckpointOptions.builder().directory(java.nio.file.Path.of("target/c"))
                .journal(CheckpointOptions.Journal.OFF).build()).build();
        rejects("consumer", b -> b.consumer(" ").checkpoint(CheckpointOptions.directory(java.nio.file.Path.of("target/c"))));
    }

    @Test
    void messagesSayTheAllowedRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> valid().batchSize(0).build());
        assertEquals("batch-size must be between 1 and 100000, was 0", e.getMessage());
    }

    @Test
    void backoffGrowsIsCappedAndJittered() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.5);
        for (int i = 0; i < 200; i++) {
            long first = b.delay(1).toMillis();
            assertTrue(first >= 50 && first <= 100, "first " + first);
            long third = b.delay(3).toMillis();
            assertTrue(third >= 200 && third <= 400, "third " + third);
            long late = b.delay(30).toMillis();
            assertTrue(late >= 500 && late <= 1000, "capped " + late);
        }
        assertEquals(Duration.ofMillis(100), new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0).delay(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2.0, 0.5));
        assertTrue(e.getMessage().startsWith("backoff.max"));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 1.5));
    }

    @Test
    void twoSubscriptionsCannotShareOneConsumerIdentity() {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create("redis://127.0.0.1:1");
        try (Rill rill = Rill.create(client)) {
            SubscriptionOptions o = valid().backoff(Backoff.of(Duration.ofSeconds(5), Duration.ofSeconds(5))).build();
            rill.subscribe(o, e -> {
            });
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rill.subscribe(o, x -> {
            }));
            assertTrue(e.getMessage().contains("billing-1"), e.getMessage());
        } finally {
            client.shutdown();
        }
    }
}
