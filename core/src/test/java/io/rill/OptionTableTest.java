package io.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The option table is the options: one row per component of the option records, the records' defaults are
 * the rows', options set by key land where the builders' methods put them, and every rejected value names
 * its key in a typed exception.
 */
class OptionTableTest {

    private static SubscriptionOptions.Builder valid() {
        return SubscriptionOptions.builder().streams("orders").group("billing").consumer("billing-1");
    }

    /** The leaf components of the records, by key, with their values in {@code options}. */
    private static Map<String, Object> leaves(Record options, String prefix, Map<String, Object> into) {
        for (RecordComponent component : options.getClass().getRecordComponents()) {
            Object value;
            try {
                value = component.getAccessor().invoke(options);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            String key = prefix + component.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
            if (component.getType().isRecord()) {
                leaves((Record) value, key + ".", into);
            } else {
                into.put(key, value);
            }
        }
        return into;
    }

    @Test
    void everyOptionSaysWhatItsValueMustBeForTheModulesMessages() {
        assertEquals("a whole number", OptionTable.find("batch-size").orElseThrow().expects());
        assertEquals("a duration such as 500ms, 30s or 5m", OptionTable.find("block-timeout").orElseThrow().expects());
        assertEquals("a path", OptionTable.find("checkpoint.directory").orElseThrow().expects());
        assertEquals("a list of fully qualified exception class names",
                OptionTable.find("retry.retryable").orElseThrow().expects());
        for (Option<?> option : OptionTable.all()) {
            assertTrue(option.expects().startsWith("a") || option.expects().startsWith("one of ")
                    || option.expects().equals("true or false"), option.key() + ": " + option.expects());
        }
    }

    @Test
    void oneRowPerComponentOfTheOptionRecordsInTheirOrder() {
        Map<String, Object> leaves = leaves(valid().build(), "", new LinkedHashMap<>());
        leaves.remove("streams");
        leaves.remove("group");
        List<String> keys = new ArrayList<>();
        OptionTable.all().forEach(o -> keys.add(o.key()));
        assertEquals(List.copyOf(leaves.keySet()), keys);
    }

    @Test
    void theRecordsDefaultsAreTheTables() {
        Map<String, Object> leaves = leaves(valid().build(), "", new LinkedHashMap<>());
        for (Option<?> option : OptionTable.all()) {
            assertNotNull(option.description(), option.key());
            assertTrue(option.defaultValue() != null || option.defaultDescription() != null, option.key() + " states no default");
            if (option.defaultValue() != null) {
                assertEquals(option.defaultValue(), leaves.get(option.key()), option.key());
            }
            if (option.key().equals("consumer")) {
                continue;
            }
            if (option.defaultValue() == null) {
                // derived: the default-built records hold a value, or none for an option that is unset by default
                assertTrue(option.nullable() || leaves.get(option.key()) != null, option.key());
            }
        }
        assertEquals(Duration.ofSeconds(20), leaves.get("reclaim.lease-renewal-interval"), "a third of min-idle");
        assertEquals(20, leaves.get("dead-letter.max-deliveries"));
    }

    @Test
    void everyOptionCanBeSetByKeyAndLandsWhereTheBuilderPutsIt() {
        Path directory = Path.of("target/option-table").toAbsolutePath();
        SubscriptionOptions byMethods = valid()
                .batchSize(7).blockTimeout(Duration.ofMillis(300)).concurrency(4).orderingKey("customer").maxInFlight(70)
                .startPosition(StartPosition.EARLIEST).autoCreate(false).ackFlushSize(9).ackFlushInterval(Duration.ofMillis(20))
                .backoff(new Backoff(Duration.ofMillis(30), Duration.ofSeconds(3), 3.0, 0.25))
                .shutdownTimeout(Duration.ofSeconds(4)).handlerTimeout(Duration.ofSeconds(6))
                .retry(RetryOptions.builder().maxAttempts(5).backoff(Duration.ofMillis(10), Duration.ofSeconds(1), 1.5, 0.1)
                        .retryable(java.io.IOException.class).nonRetryable(IllegalStateException.class).build())
                .reclaim(ReclaimOptions.builder().enabled(false).interval(Duration.ofSeconds(2)).minIdle(Duration.ofSeconds(30))
                        .count(11).leaseRenewalInterval(Duration.ofSeconds(4)).maxLease(Duration.ofMinutes(3)).build())
                .deadLetter(DeadLetterOptions.builder().enabled(false).maxFailures(12).maxDeliveries(13).stream("failed")
                        .maxLength(1000).failureTtl(Duration.ofHours(2)).build())
                .janitor(JanitorOptions.builder().enabled(false).interval(Duration.ofSeconds(40))
                        .inactiveThreshold(Duration.ofMinutes(20)).build())
                .checkpoint(CheckpointOptions.builder().journal(CheckpointOptions.Journal.MEMORY).directory(directory)
                        .fsync(CheckpointOptions.Fsync.ALWAYS).fsyncInterval(Duration.ofMillis(5)).build())
                .build();
        SubscriptionOptions.Builder byKeys = valid();
        leaves(byMethods, "", new LinkedHashMap<>()).forEach((key, value) -> {
            if (!key.equals("streams") && !key.equals("group")) {
                byKeys.option(key, value);
            }
        });
        assertEquals(byMethods, byKeys.build());
    }

    @Test
    void optionsOfANestedRecordAreCheckedTogetherOnceAllAreSet() {
        // retry.backoff.initial 10s alone exceeds the default max of 5s; with the max set too it is valid
        SubscriptionOptions o = valid().option("retry.backoff.initial", Duration.ofSeconds(10))
                .option("retry.backoff.max", Duration.ofSeconds(20)).option("backoff.jitter", 0).build();
        assertEquals(new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(20), 2.0, 0.5), o.retry().backoff());
        assertEquals(0.0, o.backoff().jitter(), "an Integer is taken for a Double option");
        assertEquals(Backoff.DEFAULT.initial(), o.backoff().initial(), "the parts not set keep their defaults");
        assertEquals(RetryOptions.DEFAULT_MAX_ATTEMPTS, o.retry().maxAttempts());
        // derived defaults follow the options they derive from
        o = valid().option("reclaim.min-idle", Duration.ofSeconds(9)).option("dead-letter.max-failures", 40).build();
        assertEquals(Duration.ofSeconds(3), o.reclaim().leaseRenewalInterval());
        assertEquals(40, o.deadLetter().maxDeliveries());
    }

    @Test
    void keysSetOverARecordAndARecordSetAfterKeysReplacesThem() {
        RetryOptions five = RetryOptions.builder().maxAttempts(5).build();
        SubscriptionOptions over = valid().retry(five).option("retry.backoff.max", Duration.ofSeconds(1)).build();
        assertEquals(5, over.retry().maxAttempts());
        assertEquals(Duration.ofSeconds(1), over.retry().backoff().max());
        SubscriptionOptions replaced = valid().option("retry.backoff.max", Duration.ofSeconds(1)).retry(five).build();
        assertEquals(five, replaced.retry());
    }

    @Test
    void exceptionTypesByNameOrClass() {
        SubscriptionOptions o = valid().option("retry.retryable", List.of("java.io.IOException", IllegalStateException.class))
                .option("retry.non-retryable", List.of(" java.io.FileNotFoundException ")).build();
        assertEquals(List.of(java.io.IOException.class, IllegalStateException.class), o.retry().retryable());
        assertEquals(List.of(java.io.FileNotFoundException.class), o.retry().nonRetryable());
        InvalidOptionException e = assertThrows(InvalidOptionException.class,
                () -> valid().option("retry.non-retryable", List.of("com.example.NoSuchError")));
        assertEquals("retry.non-retryable", e.option());
        assertTrue(e.getMessage().startsWith("retry.non-retryable names 'com.example.NoSuchError', which is not a class"),
                e.getMessage());
        e = assertThrows(InvalidOptionException.class, () -> valid().option("retry.retryable", List.of("java.lang.String")));
        assertEquals("retry.retryable", e.option());
        assertTrue(e.getMessage().contains("not an exception type"), e.getMessage());
    }

    @Test
    void unknownKeysAndValuesOfTheWrongTypeNameTheKey() {
        InvalidOptionException e = assertThrows(InvalidOptionException.class, () -> valid().option("retry.max-atempts", 3));
        assertEquals("retry.max-atempts", e.option());
        assertTrue(e.getMessage().contains("is not an option") && e.getMessage().contains("retry.max-attempts"), e.getMessage());
        e = assertThrows(InvalidOptionException.class, () -> valid().option("block-timeout", "2s"));
        assertEquals("block-timeout", e.option());
        assertEquals("block-timeout must be a Duration, was a java.lang.String", e.getMessage());
        e = assertThrows(InvalidOptionException.class, () -> valid().option("batch-size", null));
        assertEquals("batch-size must be set", e.getMessage());
        assertEquals(null, valid().concurrency(2).option("ordering-key", "customer").option("ordering-key", null).build()
                .orderingKey(), "null unsets an option without a default value");
    }

    /** The key is the option's wherever its record is nested: retry.backoff.initial, never backoff.initial. */
    @Test
    void aNestedBackoffNamesItsOwnKeys() {
        InvalidOptionException e = assertThrows(InvalidOptionException.class,
                () -> valid().option("backoff.initial", Duration.ofMillis(50)).option("retry.backoff.initial", Duration.ZERO).build());
        assertEquals("retry.backoff.initial", e.option());
        assertEquals("retry.backoff.initial must be > 0, was PT0S", e.getMessage());
        e = assertThrows(InvalidOptionException.class,
                () -> RetryOptions.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0.5).build());
        assertEquals("retry.backoff.max", e.option());
        assertEquals(List.of("retry.backoff.initial"), e.related());
        assertEquals("retry.backoff.max must be >= retry.backoff.initial (PT2S), was PT1S", e.getMessage());
        e = assertThrows(InvalidOptionException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0.5));
        assertEquals("backoff.max", e.option());
    }

    @Test
    void aFrameworkNamesTheOptionsItsWayWithoutReadingTheMessage() {
        InvalidOptionException e = assertThrows(InvalidOptionException.class, () -> DeadLetterOptions.builder().maxFailures(10)
                .maxDeliveries(2).build());
        assertEquals("dead-letter.max-deliveries", e.option());
        assertEquals(2, e.value());
        assertEquals(List.of("dead-letter.max-failures"), e.related());
        String described = e.describe(key -> "<" + key + ">");
        assertTrue(described.startsWith("<dead-letter.max-deliveries> must be >= <dead-letter.max-failures> (10), was 2"),
                described);
        assertTrue(described.endsWith("set <dead-letter.max-failures> instead"), described);
        assertEquals(e.describe(key -> key), e.getMessage());
    }
}
