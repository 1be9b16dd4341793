package io.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

/** Bad configuration fails at build time with an {@link InvalidOptionException} naming the option. */
class SubscriptionOptionsTest {

    private static SubscriptionOptions.Builder valid() {
        return SubscriptionOptions.builder().streams("orders").group("billing").consumer("billing-1");
    }

    private static void rejects(String option, UnaryOperator<SubscriptionOptions.Builder> change) {
        InvalidOptionException e = assertThrows(InvalidOptionException.class, () -> change.apply(valid()).build());
        assertEquals(option, e.option(), e.getMessage());
        assertTrue(e.getMessage().startsWith(option + " "), "message should start with '" + option + "': " + e.getMessage());
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

    @Test
    void retryReclaimDeadLetterAndJanitorOptionsAreValidatedNamingTheOption() {
        rejects("retry.max-attempts", b -> b.retry(RetryOptions.builder().maxAttempts(0).build()));
        rejects("retry.max-attempts", b -> b.retry(RetryOptions.builder().maxAttempts(1001).build()));
        rejects("retry.backoff.initial", b -> b.retry(RetryOptions.builder().backoff(Duration.ZERO, Duration.ofSeconds(1), 2, 0.5).build()));
        rejects("retry.backoff.max", b -> b.retry(RetryOptions.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0.5).build()));
        rejects("retry.backoff.multiplier", b -> b.retry(RetryOptions.builder().backoff(Duration.ofMillis(1), Duration.ofSeconds(1), 0.5, 0.5).build()));
        rejects("retry.backoff", b -> b.retry(RetryOptions.builder().backoff(null).build()));
        rejects("retry.retryable", b -> b.retry(RetryOptions.builder().retryable().build()));
        rejects("retry", b -> b.retry(null));
        rejects("reclaim.interval", b -> b.reclaim(ReclaimOptions.builder().interval(Duration.ZERO).build()));
        rejects("reclaim.min-idle", b -> b.reclaim(ReclaimOptions.builder().minIdle(Duration.ofMillis(-1)).build()));
        rejects("reclaim.min-idle", b -> b.reclaim(ReclaimOptions.builder().minIdle(Duration.ofNanos(500)).build()));
        rejects("reclaim.count", b -> b.reclaim(ReclaimOptions.builder().count(0).build()));
        rejects("reclaim.lease-renewal-interval", b -> b.reclaim(ReclaimOptions.builder().minIdle(Duration.ofSeconds(10))
                .leaseRenewalInterval(Duration.ofSeconds(5)).build()));
        rejects("reclaim.lease-renewal-interval", b -> b.reclaim(ReclaimOptions.builder().leaseRenewalInterval(Duration.ZERO).build()));
        rejects("dead-letter.max-deliveries", b -> b.deadLetter(DeadLetterOptions.builder().maxDeliveries(0).build()));
        rejects("dead-letter.max-failures", b -> b.deadLetter(DeadLetterOptions.builder().maxFailures(0).build()));
        rejects("dead-letter.failure-ttl", b -> b.deadLetter(DeadLetterOptions.builder().failureTtl(Duration.ofMillis(500)).build()));
        rejects("dead-letter.stream", b -> b.deadLetter(DeadLetterOptions.builder().stream(" ").build()));
        rejects("dead-letter.stream", b -> b.deadLetter(DeadLetterOptions.builder().stream("orders").build()));
        rejects("dead-letter.stream", b -> b.streams("orders", "orders:dlq"));
        rejects("dead-letter.max-length", b -> b.deadLetter(DeadLetterOptions.builder().maxLength(-1).build()));
        rejects("janitor.interval", b -> b.janitor(JanitorOptions.builder().interval(Duration.ZERO).build()));
        rejects("janitor.inactive-threshold", b -> b.janitor(JanitorOptions.builder().inactiveThreshold(Duration.ZERO).build()));
        rejects("janitor.inactive-threshold", b -> b.blockTimeout(Duration.ofSeconds(5))
                .janitor(JanitorOptions.builder().inactiveThreshold(Duration.ofSeconds(5)).build()));
    }

    @Test
    void crossChecksLetValidCombinationsThrough() {
        // a dead-letter stream that is read is fine when dead letters are off; so is a short threshold with the janitor off
        valid().streams("orders", "orders:dlq").deadLetter(DeadLetterOptions.builder().enabled(false).build()).build();
        valid().blockTimeout(Duration.ofSeconds(5))
                .janitor(JanitorOptions.builder().enabled(false).inactiveThreshold(Duration.ofSeconds(1)).build()).build();
        valid().streams("a", "b").deadLetter(DeadLetterOptions.builder().stream("failed").build()).build();
    }

    @Test
    void maxDeliveriesIsTheCrashLoopGuardAndAnOldLowValueFailsNamingTheReplacement() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeadLetterOptions.builder().maxDeliveries(2).build());
        assertTrue(e.getMessage().startsWith("dead-letter.max-deliveries must be >= dead-letter.max-failures (10), was 2"),
                e.getMessage());
        assertTrue(e.getMessage().contains("set dead-letter.max-failures instead"), e.getMessage());
        // the default guard follows a higher max-failures; an explicit one stays
        assertEquals(50, DeadLetterOptions.builder().maxFailures(50).build().maxDeliveries());
        assertEquals(3, DeadLetterOptions.builder().maxFailures(3).maxDeliveries(3).build().maxDeliveries());
        assertEquals(50, DeadLetterOptions.builder().maxFailures(3).build().toBuilder().maxFailures(50).build().maxDeliveries());
    }

    @Test
    void newOptionDefaultsAndDerivedValues() {
        SubscriptionOptions o = valid().build();
        assertEquals(3, o.retry().maxAttempts());
        assertTrue(o.reclaim().enabled());
        assertEquals(Duration.ofSeconds(60), o.reclaim().minIdle());
        assertEquals(Duration.ofSeconds(20), o.reclaim().leaseRenewalInterval());
        assertEquals(10, o.deadLetter().maxFailures());
        assertEquals(20, o.deadLetter().maxDeliveries());
        assertEquals(java.time.Duration.ofDays(7), o.deadLetter().failureTtl());
        assertEquals("orders:dlq", o.deadLetter().streamFor("orders"));
        assertEquals("failed", DeadLetterOptions.builder().stream("failed").build().streamFor("orders"));
        assertTrue(o.janitor().enabled());
        assertEquals(o, o.toBuilder().build());

        // a derived renewal interval follows min-idle through toBuilder; an explicit one stays
        ReclaimOptions derived = ReclaimOptions.builder().minIdle(Duration.ofSeconds(9)).build();
        assertEquals(Duration.ofSeconds(3), derived.leaseRenewalInterval());
        assertEquals(Duration.ofMillis(300), derived.toBuilder().minIdle(Duration.ofMillis(900)).build().leaseRenewalInterval());
        ReclaimOptions explicit = ReclaimOptions.builder().minIdle(Duration.ofSeconds(9)).leaseRenewalInterval(Duration.ofSeconds(1)).build();
        assertEquals(Duration.ofSeconds(1), explicit.toBuilder().minIdle(Duration.ofSeconds(30)).build().leaseRenewalInterval());
    }

    @Test
    void maxInFlightDefaultHoldsFourBatchesPerStreamReadAndFollowsACopysBatchSize() {
        assertEquals(1000, valid().build().maxInFlight(), "batch-size 100: at least 1000");
        assertEquals(2000, valid().batchSize(500).build().maxInFlight(), "4 × batch-size");
        assertEquals(6000, valid().streams("a", "b", "c").batchSize(500).build().maxInFlight(), "per stream read");
        assertEquals(8000, valid().partitions(4).batchSize(500).build().maxInFlight(), "each partition is read");
        assertEquals(Integer.MAX_VALUE, SubscriptionOptions.defaultMaxInFlight(100_000, 10_000), "no overflow");

        SubscriptionOptions derived = valid().batchSize(500).build();
        assertEquals(4000, derived.toBuilder().batchSize(1000).build().maxInFlight(), "a derived window follows batch-size");
        SubscriptionOptions set = valid().batchSize(500).maxInFlight(700).build();
        assertEquals(700, set.toBuilder().batchSize(1000).build().maxInFlight(), "a value set stays");
        assertEquals(2000, set.toBuilder().option("max-in-flight", null).build().maxInFlight(), "unset by key: derived again");
    }

    @Test
    void ackFlushSizeDefaultIsTheBatchWithinAQuarterOfTheWindowAndFollowsACopy() {
        assertEquals(100, valid().build().ackFlushSize(), "batch-size 100, window 1000: as before");
        assertEquals(100, valid().batchSize(10).build().ackFlushSize(), "small batches: at least 100");
        assertEquals(500, valid().batchSize(500).build().ackFlushSize(), "one XACK per batch in the derived window");
        assertEquals(250, valid().batchSize(500).maxInFlight(1000).build().ackFlushSize(), "a quarter of a smaller window");
        assertEquals(1, valid().maxInFlight(2).build().ackFlushSize(), "at least 1");
        assertEquals(100_000, SubscriptionOptions.defaultAckFlushSize(100_000, Integer.MAX_VALUE), "within its range");

        SubscriptionOptions derived = valid().batchSize(500).build();
        assertEquals(1000, derived.toBuilder().batchSize(1000).build().ackFlushSize(), "a derived flush size follows batch-size");
        assertEquals(50, derived.toBuilder().maxInFlight(200).build().ackFlushSize(), "and max-in-flight");
        SubscriptionOptions set = valid().batchSize(500).ackFlushSize(70).build();
        assertEquals(70, set.toBuilder().batchSize(1000).build().ackFlushSize(), "a value set stays");
        assertEquals(500, set.toBuilder().option("ack-flush-size", null).build().ackFlushSize(), "unset by key: derived again");
        rejects("ack-flush-size", b -> b.ackFlushSize(0));
    }

    @Test
    void handlerTimeoutIsOffByDefaultAndValidatedNamingTheOption() {
        assertEquals(Duration.ZERO, valid().build().handlerTimeout());
        assertEquals(Duration.ofSeconds(5), valid().handlerTimeout(Duration.ofSeconds(5)).build().handlerTimeout());
        assertEquals(Duration.ofSeconds(5), valid().handlerTimeout(Duration.ofSeconds(5)).build().toBuilder().build().handlerTimeout());
        rejects("handler-timeout", b -> b.handlerTimeout(Duration.ofMillis(-1)));
        rejects("handler-timeout", b -> b.handlerTimeout(null));
        rejects("handler-timeout", b -> b.handlerTimeout(Duration.ofMillis(5)));
    }

    @Test
    void maxLeaseIsBoundedByDefaultFollowsMinIdleAndIsValidated() {
        assertEquals(Duration.ofMinutes(30), valid().build().reclaim().maxLease());
        // ten times min-idle when that is longer than 30 minutes, so a long min-idle still gets renewals
        ReclaimOptions longIdle = ReclaimOptions.builder().minIdle(Duration.ofHours(1)).build();
        assertEquals(Duration.ofHours(10), longIdle.maxLease());
        assertEquals(Duration.ofMinutes(30), longIdle.toBuilder().minIdle(Duration.ofSeconds(10)).build().maxLease(),
                "a derived max-lease follows min-idle");
        ReclaimOptions explicit = ReclaimOptions.builder().maxLease(Duration.ofMinutes(5)).build();
        assertEquals(Duration.ofMinutes(5), explicit.toBuilder().minIdle(Duration.ofSeconds(30)).build().maxLease());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReclaimOptions.builder().maxLease(Duration.ZERO).build());
        assertTrue(e.getMessage().startsWith("reclaim.max-lease"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ReclaimOptions.builder().minIdle(Duration.ofSeconds(60)).maxLease(Duration.ofSeconds(20)).build());
        assertTrue(e.getMessage().startsWith("reclaim.max-lease") && e.getMessage().contains("lease-renewal-interval"),
                e.getMessage());
    }

    @Test
    void retryableAndNonRetryableErrorsAreToldApart() {
        RetryOptions all = RetryOptions.DEFAULT;
        assertTrue(all.retries(new IllegalStateException()));
        assertTrue(all.retries(new AssertionError()));
        RetryOptions some = RetryOptions.builder().retryable(java.io.IOException.class, IllegalStateException.class)
                .nonRetryable(java.io.FileNotFoundException.class).build();
        assertTrue(some.retries(new java.io.IOException()));
        assertTrue(some.retries(new java.net.SocketTimeoutException())); // a subclass
        assertTrue(some.retries(new IllegalStateException()));
        assertTrue(!some.retries(new java.io.FileNotFoundException()));
        assertTrue(!some.retries(new IllegalArgumentException()));
    }
}
