package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.DeadLetterOptions;
import io.rill.JanitorOptions;
import io.rill.PartialBatchFailure;
import io.rill.ReclaimOptions;
import io.rill.RetryOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.StreamEntry;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.deadletter.DeadLetter;
import io.rill.deadletter.DeadLetters;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/** Retries, dead letters and redrive (semantics 7). */
@WithRedis
class DeadLetterTest {

    private final RedisFixture redis;
    private SimpleMeterRegistry meters;
    private Rill rill;

    DeadLetterTest(RedisServer server) {
        this.redis = new RedisFixture(server);
    }

    @BeforeEach
    void startRill() {
        meters = new SimpleMeterRegistry();
        rill = Rill.builder(redis.client()).meterRegistry(meters).build();
    }

    @AfterEach
    void stop() {
        rill.close(Duration.ofSeconds(5));
        redis.close();
    }

    private static SubscriptionOptions.Builder options(String stream, String group) {
        return SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                .startPosition(StartPosition.EARLIEST)
                .blockTimeout(Duration.ofMillis(100))
                .retry(RetryOptions.builder().maxAttempts(3).backoff(Duration.ofMillis(10), Duration.ofMillis(40), 2.0, 0.5).build())
                .reclaim(ReclaimOptions.builder().interval(Duration.ofMillis(100)).minIdle(Duration.ofMillis(400)).build())
                .janitor(JanitorOptions.builder().enabled(false).build());
    }

    private double count(String name, String stream) {
        var counter = meters.find(name).tag("stream", stream).counter();
        return counter == null ? 0 : counter.count();
    }

    private Map<String, String> only(String dlq) {
        List<StreamMessage<String, String>> all = redis.commands().xrange(dlq, Range.create("-", "+"));
        assertEquals(1, all.size(), "dead letters in " + dlq);
        return all.get(0).getBody();
    }

    @Test
    void aPoisonEntryIsRetriedRedeliveredDeadLetteredAndRedriven() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        String dlq = stream + ":dlq";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Map<String, String> body = new LinkedHashMap<>();
            body.put("n", Integer.toString(i));
            body.put("amount", i == 7 ? "twelve" : Integer.toString(i * 10)); // entry 7 can't be decoded
            ids.add(redis.commands().xadd(stream, body));
        }
        String poison = ids.get(7);
        Map<Long, AtomicInteger> attemptsByDelivery = new ConcurrentHashMap<>();
        Set<String> handled = ConcurrentHashMap.newKeySet();
        AtomicBoolean fixed = new AtomicBoolean();
        List<StreamEntry> fixedHandled = Collections.synchronizedList(new ArrayList<>());
        Instant before = Instant.now();

        Subscription sub = rill.subscribe(options(stream, group)
                .deadLetter(DeadLetterOptions.builder().maxFailures(9).build()).build(), entry -> {
                    if (entry.field("amount").equals("twelve")) {
                        if (fixed.get()) {
                            fixedHandled.add(entry);
                            return;
                        }
                        attemptsByDelivery.computeIfAbsent(entry.deliveryCount().orElse(-1), k -> new AtomicInteger())
                                .incrementAndGet();
                    }
                    Integer.parseInt(entry.field("amount")); // the "codec": fails on the poison entry
                    handled.add(entry.id());
                });

        // three attempts per delivery, nine failures in all: dead-lettered after the third delivery (semantics 7).
        // The first delivery used its three attempts; the subscription goes on with new entries meanwhile
        await().atMost(Duration.ofSeconds(20)).until(() -> attemptsByDelivery.containsKey(1L)
                && attemptsByDelivery.get(1L).get() == 3);
        List<String> later = redis.add(stream, 10, Map.of("amount", "5"));
        await().atMost(Duration.ofSeconds(30)).until(() -> handled.containsAll(later));

        await().atMost(Duration.ofSeconds(30)).until(() -> redis.commands().xlen(dlq) == 1 && redis.pending(stream, group) == 0);
        assertEquals(3, attemptsByDelivery.size(), "deliveries: " + attemptsByDelivery.keySet());
        for (long delivery = 1; delivery <= 3; delivery++) {
            assertEquals(3, attemptsByDelivery.get(delivery).get(), "attempts of delivery " + delivery);
        }
        assertEquals(29, handled.size());
        assertFalse(handled.contains(poison));
        assertEquals(SubscriptionState.RUNNING, sub.state());

        // what the dead letter records
        Map<String, String> letter = only(dlq);
        assertEquals(List.of("n", "amount"), new ArrayList<>(letter.keySet()).subList(0, 2), "original fields first");
        assertEquals("7", letter.get("n"));
        assertEquals("twelve", letter.get("amount"));
        assertEquals(stream, letter.get(DeadLetter.STREAM));
        assertEquals(poison, letter.get(DeadLetter.ID));
        assertEquals(group, letter.get(DeadLetter.GROUP));
        assertEquals("c1", letter.get(DeadLetter.CONSUMER));
        assertEquals("3", letter.get(DeadLetter.DELIVERIES));
        assertEquals("9", letter.get(DeadLetter.FAILURES));
        assertEquals("failed", letter.get(DeadLetter.REASON));
        assertEquals(NumberFormatException.class.getName(), letter.get(DeadLetter.ERROR));
        assertTrue(letter.get(DeadLetter.MESSAGE).contains("twelve"), letter.get(DeadLetter.MESSAGE));
        Instant at = Instant.parse(letter.get(DeadLetter.TIME));
        assertFalse(at.isBefore(before.minusSeconds(1)) || at.isAfter(Instant.now().plusSeconds(1)), "time " + at);

        // the same through the admin API
        DeadLetters deadLetters = rill.deadLetters(dlq);
        assertEquals(1, deadLetters.size());
        DeadLetter listed = deadLetters.list(10).get(0);
        assertEquals(poison, listed.originalId());
        assertEquals(stream, listed.stream());
        assertEquals(3, listed.deliveries());
        assertEquals(9, listed.failures());
        assertEquals("failed", listed.reason());
        assertEquals(Map.of("n", "7", "amount", "twelve"), listed.fields());
        assertEquals(NumberFormatException.class.getName(), listed.errorClass().orElseThrow());

        await().atMost(Duration.ofSeconds(5)).until(() -> count(SubscriptionMetrics.DEAD_LETTERED, stream) == 1);
        assertEquals(6, count(SubscriptionMetrics.RETRIED, stream)); // two retries in each of three deliveries
        assertEquals(3, count(SubscriptionMetrics.FAILED, stream)); // one failed delivery after another
        assertTrue(count(SubscriptionMetrics.CLAIMED, stream) >= 2, "deliveries 2 and 3 come from reclaim");

        // fixed: redrive it, and it goes through
        fixed.set(true);
        assertEquals(1, deadLetters.redriveAll());
        assertEquals(0, redis.commands().xlen(dlq));
        await().atMost(Duration.ofSeconds(20)).until(() -> fixedHandled.size() == 1 && redis.pending(stream, group) == 0);
        StreamEntry redriven = fixedHandled.get(0);
        assertNotEquals(poison, redriven.id());
        assertEquals(Map.of("n", "7", "amount", "twelve"), redriven.fields());
        assertEquals(31, redis.commands().xlen(stream));
    }

    @Test
    void aNonRetryableErrorIsDeadLetteredAfterOneAttempt() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        String bad = redis.add(stream, 5).get(2);
        AtomicInteger attempts = new AtomicInteger();
        Set<String> handled = ConcurrentHashMap.newKeySet();

        rill.subscribe(options(stream, group)
                .retry(RetryOptions.builder().maxAttempts(5).nonRetryable(IllegalArgumentException.class).build()).build(), entry -> {
                    if (entry.id().equals(bad)) {
                        attempts.incrementAndGet();
                        throw new IllegalArgumentException("no such customer");
                    }
                    handled.add(entry.id());
                });

        await().atMost(Duration.ofSeconds(20)).until(() -> redis.commands().xlen(stream + ":dlq") == 1 && redis.pending(stream, group) == 0);
        assertEquals(1, attempts.get());
        assertEquals(4, handled.size());
        Map<String, String> letter = only(stream + ":dlq");
        assertEquals("non-retryable", letter.get(DeadLetter.REASON));
        assertEquals("1", letter.get(DeadLetter.DELIVERIES));
        assertEquals("1", letter.get(DeadLetter.FAILURES));
        assertEquals("no such customer", letter.get(DeadLetter.MESSAGE));
    }

    @Test
    void anEntryDeliveredMoreThanMaxDeliveriesWithoutAnOutcomeIsDeadLetteredAsCrashLoop() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        List<String> ids = redis.add(stream, 3);
        redis.commands().xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group);
        Consumer<String> c1 = Consumer.from(group, "c1");
        // c1 got the first entry four times and died each time before any outcome (semantics 7, crash-loop guard)
        redis.commands().xreadgroup(c1, XReadArgs.Builder.count(1), XReadArgs.StreamOffset.lastConsumed(stream));
        for (int i = 0; i < 3; i++) {
            redis.commands().xreadgroup(c1, XReadArgs.Builder.count(1), XReadArgs.StreamOffset.from(stream, "0"));
        }
        assertEquals(4, redis.commands().xpending(stream, c1, Range.create("-", "+"), Limit.from(1)).get(0).getRedeliveryCount());
        Map<String, Long> handled = new ConcurrentHashMap<>();

        rill.subscribe(options(stream, group).reclaim(ReclaimOptions.builder().enabled(false).build())
                .deadLetter(DeadLetterOptions.builder().maxFailures(3).maxDeliveries(3).build()).build(),
                entry -> handled.put(entry.id(), entry.deliveryCount().orElse(-1)));

        await().atMost(Duration.ofSeconds(20)).until(() -> redis.pending(stream, group) == 0 && handled.size() == 2
                && redis.commands().xlen(stream + ":dlq") == 1);
        assertEquals(Map.of(ids.get(1), 1L, ids.get(2), 1L), handled);
        Map<String, String> letter = only(stream + ":dlq");
        assertEquals(ids.get(0), letter.get(DeadLetter.ID));
        assertEquals("crash-loop", letter.get(DeadLetter.REASON));
        // four hand-overs: the history read's raise is undone, and the fifth never happens
        assertEquals("4", letter.get(DeadLetter.DELIVERIES));
        assertEquals("0", letter.get(DeadLetter.FAILURES));
        assertFalse(letter.containsKey(DeadLetter.ERROR));
    }

    @Test
    void aBatchHandlerRetriesOnlyItsFailedEntries() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        String bad = redis.add(stream, 10).get(4);
        List<Integer> callSizes = Collections.synchronizedList(new ArrayList<>());

        rill.subscribeBatch(options(stream, group).batchSize(10)
                .deadLetter(DeadLetterOptions.builder().maxFailures(3).build()).build(), entries -> {
                    callSizes.add(entries.size());
                    for (StreamEntry e : entries) {
                        if (e.id().equals(bad)) {
                            throw PartialBatchFailure.of(e, new IllegalStateException("bad " + e.id()));
                        }
                    }
                });

        await().atMost(Duration.ofSeconds(20)).until(() -> redis.pending(stream, group) == 0 && redis.commands().xlen(stream + ":dlq") == 1);
        assertEquals(List.of(10, 1, 1), callSizes);
        assertEquals(bad, only(stream + ":dlq").get(DeadLetter.ID));
        assertEquals(9, count(SubscriptionMetrics.HANDLED, stream));
    }

    @Test
    void deadLettersGoToAConfiguredStreamAndRedriveByIdRange() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        String dlq = RedisFixture.unique("failed-orders");
        List<String> ids = redis.add(stream, 6);
        Set<String> bad = Set.of(ids.get(1), ids.get(3), ids.get(5));
        AtomicBoolean fixed = new AtomicBoolean();
        Set<String> redriven = ConcurrentHashMap.newKeySet();

        rill.subscribe(options(stream, group).retry(RetryOptions.builder().maxAttempts(1).build())
                .deadLetter(DeadLetterOptions.builder().maxFailures(1).stream(dlq).maxLength(1_000).build()).build(), entry -> {
                    if (fixed.get()) {
                        redriven.add(entry.field("n"));
                    } else if (bad.contains(entry.id())) {
                        throw new IllegalStateException("bad");
                    }
                });

        await().atMost(Duration.ofSeconds(20)).until(() -> redis.commands().xlen(dlq) == 3 && redis.pending(stream, group) == 0);
        assertEquals(0, redis.commands().exists(stream + ":dlq"));
        DeadLetters deadLetters = rill.deadLetters(dlq);
        List<DeadLetter> letters = deadLetters.list(10);
        assertEquals(List.of(ids.get(1), ids.get(3), ids.get(5)), letters.stream().map(DeadLetter::originalId).toList());

        fixed.set(true);
        String middle = letters.get(1).id();
        assertEquals(1, deadLetters.redrive(middle, middle));
        await().atMost(Duration.ofSeconds(20)).until(() -> redriven.equals(Set.of("3")));
        assertEquals(List.of(ids.get(1), ids.get(5)), deadLetters.list(10).stream().map(DeadLetter::originalId).toList());
        assertEquals(2, deadLetters.redriveAll());
        assertEquals(0, deadLetters.redriveAll());
        await().atMost(Duration.ofSeconds(20)).until(() -> redriven.equals(Set.of("1", "3", "5")) && redis.pending(stream, group) == 0);
        assertEquals(0, deadLetters.size());
    }
}
