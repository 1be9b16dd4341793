package io.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.rill.CheckpointOptions.Fsync;

/** The producer's options: defaults from the option table, set by key as frameworks do, bad values named by key. */
class ProducerOptionsTest {

    @Test
    void defaultsComeFromTheTableAndTheOutboxIsOffWithoutADirectory() {
        ProducerOptions options = ProducerOptions.DEFAULT;
        assertEquals(Duration.ofHours(24), options.retention());
        assertFalse(options.outbox().enabled());
        assertEquals(100_000, options.outbox().maxEntries());
        assertEquals(64L << 20, options.outbox().maxBytes());
        assertEquals(Fsync.ALWAYS, options.outbox().fsync(), "an outbox record lost is an entry lost");
        assertEquals("default", options.outbox().identity());
        for (Option<?> option : OptionTable.producer()) {
            assertTrue(OptionTable.find(option.key()).isEmpty(), option.key() + " is no option of a subscription");
        }
    }

    @Test
    void everyOptionCanBeSetByKey() {
        ProducerOptions options = ProducerOptions.builder()
                .option("retention", Duration.ofMinutes(5))
                .option("outbox.directory", Path.of("outbox"))
                .option("outbox.identity", "api-1")
                .option("outbox.max-entries", 10)
                .option("outbox.max-bytes", 4096) // an Integer for a Long option
                .option("outbox.fsync", Fsync.ALWAYS)
                .option("outbox.fsync-interval", Duration.ofMillis(5))
                .build();
        assertEquals(Duration.ofMinutes(5), options.retention());
        assertTrue(options.outbox().enabled());
        assertEquals(Path.of("outbox").toAbsolutePath(), options.outbox().directory());
        assertEquals("api-1", options.outbox().identity());
        assertEquals(10, options.outbox().maxEntries());
        assertEquals(4096, options.outbox().maxBytes());
        assertEquals(Fsync.ALWAYS, options.outbox().fsync());
        assertEquals(Duration.ofMillis(5), options.outbox().fsyncInterval());
    }

    @Test
    void badValuesAndUnknownKeysFailNamingTheKey() {
        InvalidOptionException entries = assertThrows(InvalidOptionException.class,
                () -> ProducerOptions.builder().option("outbox.max-entries", 0).build());
        assertEquals("outbox.max-entries", entries.option());
        InvalidOptionException retention = assertThrows(InvalidOptionException.class,
                () -> ProducerOptions.builder().retention(Duration.ZERO).build());
        assertEquals("retention", retention.option());
        InvalidOptionException bytes = assertThrows(InvalidOptionException.class,
                () -> OutboxOptions.builder().maxBytes(10).build());
        assertEquals("outbox.max-bytes", bytes.option());
        InvalidOptionException unknown = assertThrows(InvalidOptionException.class,
                () -> ProducerOptions.builder().option("outbox.size", 1));
        assertTrue(unknown.getMessage().contains("not an option of a producer"), unknown.getMessage());
        InvalidOptionException type = assertThrows(InvalidOptionException.class,
                () -> ProducerOptions.builder().option("retention", "1h"));
        assertEquals("retention", type.option());
        assertThrows(InvalidOptionException.class, () -> SubscriptionOptions.builder().option("retention", Duration.ZERO),
                "a producer key is no subscription option");
    }
}
