package io.rill.docs;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.rill.CheckpointOptions;
import io.rill.DeadLetterOptions;
import io.rill.JanitorOptions;
import io.rill.Output;
import io.rill.ReclaimOptions;
import io.rill.RetryOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.deadletter.DeadLetter;
import io.rill.deadletter.DeadLetters;

/**
 * The Java blocks of docs/core.md, docs/configuration.md and docs/dead-letters.md, compiled with the core's
 * tests so that they keep up with the API; {@code CoreGuideTest} runs them against a real Redis.
 */
final class CoreGuide {

    private CoreGuide() {
    }

    static Rill entryPoint(String uri, MeterRegistry meterRegistry) {
        // tag::entry-point[]
        RedisClient client = RedisClient.create(uri);    // e.g. "redis://localhost:6379"
        Rill rill = Rill.builder(client)
                .meterRegistry(meterRegistry)            // optional: Micrometer meters
                .build();
        // ... subscribe ...
        rill.close();                                    // graceful stop of every subscription
        client.shutdown();                               // the client stays yours
        // end::entry-point[]
        return rill;
    }

    static Subscription subscribe(Rill rill) {
        // tag::subscribe[]
        Subscription sub = rill.subscribe(SubscriptionOptions.builder()
                .streams("orders")
                .group("billing")
                .consumer("billing-1")
                .build(), entry -> bill(entry.fields()));
        // end::subscribe[]
        return sub;
    }

    static Subscription manual(Rill rill, SubscriptionOptions options) {
        // tag::manual[]
        Subscription sub = rill.subscribeManual(options, (entry, ack) ->
                CompletableFuture.runAsync(() -> save(entry.fields())).whenComplete((ok, error) -> {
                    if (error == null) {
                        ack.ack();          // acknowledged with the next XACK flush
                    } else {
                        ack.nack(error);    // failed now: stays pending in Redis
                    }
                }));
        // end::manual[]
        return sub;
    }

    static Subscription outputs(Rill rill) {
        // tag::outputs[]
        Subscription sub = rill.subscribeWithOutputs(SubscriptionOptions.builder()
                .streams("{billing}:orders").group("billing").consumer("billing-1")
                .build(), Set.of("{billing}:invoices"), entry -> List.of(
                        Output.to("{billing}:invoices")
                                .field("orderId", entry.field("orderId"))
                                .field("total", total(entry.field("amount")))
                                .maxLen(1_000_000)             // MAXLEN ~ 1000000, as XADD would trim
                                .build()));
        // end::outputs[]
        return sub;
    }

    static String total(String amount) {
        return new java.math.BigDecimal(amount).multiply(new java.math.BigDecimal("1.20")).setScale(2,
                java.math.RoundingMode.HALF_UP).toPlainString();
    }

    static Subscription binary(Rill rill) {
        // tag::binary[]
        Subscription sub = rill.subscribe(SubscriptionOptions.builder()
                .streams("images").group("thumbnails").consumer("thumbnails-1")
                .build(), entry -> {
                    byte[] png = entry.bytes("png");     // exactly the bytes Redis holds
                    String name = entry.field("name");   // text: UTF-8, decoded when asked for
                    thumbnail(name, png);
                });
        // end::binary[]
        return sub;
    }

    static SubscriptionOptions retries() {
        // tag::retry[]
        SubscriptionOptions options = SubscriptionOptions.builder()
                .streams("orders").group("billing").consumer("billing-1")
                .retry(RetryOptions.builder()
                        .maxAttempts(5)
                        .backoff(Duration.ofMillis(50), Duration.ofSeconds(2), 2.0, 0.5)
                        .retryable(IOException.class, TimeoutException.class) // default: every Throwable
                        .nonRetryable(IllegalArgumentException.class)         // never retried: dead-lettered at once
                        .build())
                .build();
        // end::retry[]
        return options;
    }

    static long deadLetters(Rill rill) {
        // tag::dead-letters[]
        DeadLetters dlq = rill.deadLetters("orders:dlq");    // or options.deadLetter().streamFor("orders")
        for (DeadLetter letter : dlq.list(100)) {               // oldest first
            System.out.println(letter.originalId() + " " + letter.reason() + " " + letter.errorClass().orElse("")
                    + ": " + letter.errorMessage().orElse("") + " " + letter.fields());
        }
        long back = dlq.redriveAll();                           // or dlq.redrive(fromId, toId)
        // end::dead-letters[]
        return back;
    }

    static String checkpoint(Rill rill, Path directory) {
        // tag::checkpoint[]
        Subscription sub = rill.subscribe(SubscriptionOptions.builder()
                .streams("orders")
                .group("billing")                                  // no consumer(...): derived and kept in the directory
                .checkpoint(CheckpointOptions.builder()
                        .directory(directory)                      // e.g. Path.of("/var/lib/billing/rill"); turns the file journal on
                        .fsync(CheckpointOptions.Fsync.INTERVAL)   // the default
                        .fsyncInterval(Duration.ofMillis(100))     // the default
                        .build())
                .build(), entry -> bill(entry.fields()));
        String consumer = sub.options().consumer();                // e.g. "billing-7f9c4-3a1b2c4d"
        // end::checkpoint[]
        return consumer;
    }

    static SubscriptionOptions nestedOptions() {
        // tag::nested-options[]
        SubscriptionOptions options = SubscriptionOptions.builder()
                .streams("orders").group("billing").consumer("billing-1")
                .retry(RetryOptions.builder()
                        .maxAttempts(4)
                        .backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 2.0, 0.5)
                        .nonRetryable(IllegalArgumentException.class)
                        .build())
                .reclaim(ReclaimOptions.builder().minIdle(Duration.ofMinutes(2)).build())
                .deadLetter(DeadLetterOptions.builder().maxFailures(6).maxLength(100_000).build())
                .janitor(JanitorOptions.builder().inactiveThreshold(Duration.ofHours(6)).build())
                .build();
        // end::nested-options[]
        return options;
    }

    static long[] operateDeadLetters(Rill rill) {
        // tag::operate-dead-letters[]
        DeadLetters dlq = rill.deadLetters("orders:dlq");
        System.out.println(dlq.size() + " dead letters");
        for (DeadLetter letter : dlq.list(50)) {                    // oldest 50
            System.out.printf("%s from %s %s: %s %s after %d deliveries%n", letter.id(), letter.stream(),
                    letter.originalId(), letter.reason(), letter.errorClass().orElse("-"), letter.deliveries());
        }
        List<DeadLetter> window = dlq.list("1763829000000-0", "1763830000000-0", 1000); // by dead-letter ID range

        // after the fix is deployed:
        long one = dlq.redrive("1763829450123-0", "1763829450123-0"); // one dead letter, by its ID
        long all = dlq.redriveAll();
        // end::operate-dead-letters[]
        return new long[] {window.size(), one, all};
    }

    static Subscription startPosition(Rill rill, Instant since) {
        // tag::start-position[]
        Subscription sub = rill.subscribe(SubscriptionOptions.builder()
                .streams("orders").group("reports").consumer("reports-1")
                .startPosition(StartPosition.at(since))  // a new group reads what was added from `since` on
                // or StartPosition.at("1764489600000-0"): that entry on; EARLIEST: everything; LATEST (the default)
                .build(), entry -> report(entry.id()));
        // end::start-position[]
        return sub;
    }

    static void seek(Rill rill, Subscription sub, Instant since) {
        // tag::seek[]
        sub.pause();                                                // and the group's consumers in other processes
        rill.seek("orders", "reports", StartPosition.at(since));    // e.g. Instant.parse("2026-11-30T08:00:00Z")
        sub.resume();                                               // own pending entries, then everything from `since` on again
        // end::seek[]
    }

    static void bill(Map<String, String> fields) {
        if (fields.get("amount") == null) {
            throw new IllegalArgumentException("no amount");
        }
    }

    static void save(Map<String, String> fields) {
        bill(fields);
    }

    /** What {@link #binary} was given, by name. */
    static final Map<String, byte[]> THUMBNAILS = new ConcurrentHashMap<>();

    static void thumbnail(String name, byte[] png) {
        THUMBNAILS.put(name, png);
    }

    /** What {@link #startPosition} was given, by ID, in order. */
    static final List<String> REPORTED = new CopyOnWriteArrayList<>();

    static void report(String id) {
        REPORTED.add(id);
    }
}
