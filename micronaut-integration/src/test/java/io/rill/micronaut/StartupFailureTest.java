package io.rill.micronaut;

import static io.rill.micronaut.StartupFailures.assertMentions;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Requires;
import io.rill.Acknowledgement;
import io.rill.micronaut.annotation.AckMode;
import io.rill.micronaut.annotation.ErrorPolicy;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.testing.RedisServer;

/**
 * Issue 5, test 8: wrong configuration fails startup with a message naming the bean, the method and the
 * property or attribute to fix.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StartupFailureTest {

    @Requires(property = "spec.name", value = "manual-misuse")
    @RedisStreamListener(group = "g")
    static class ManualMisuse {
        @Stream(value = "sf:orders", ackMode = AckMode.MANUAL)
        void onOrder(String body) {
        }
    }

    @Requires(property = "spec.name", value = "auto-misuse")
    @RedisStreamListener(group = "g")
    static class AutoMisuse {
        @Stream(value = "sf:orders", ackMode = AckMode.AUTO)
        void onOrder(String body, Acknowledgement ack) {
        }
    }

    @Requires(property = "spec.name", value = "unknown-connection")
    @RedisStreamListener(group = "g", connection = "nope")
    static class UnknownConnection {
        @Stream("sf:orders")
        void onOrder(String body) {
        }
    }

    @Requires(property = "spec.name", value = "invalid-option")
    @RedisStreamListener(group = "billing")
    static class InvalidOption {
        @Stream("sf:orders")
        void onOrder(String body) {
        }
    }

    @Requires(property = "spec.name", value = "invalid-attribute")
    @RedisStreamListener(group = "billing")
    static class InvalidAttribute {
        @Stream(value = "sf:orders", concurrency = "${workers}")
        void onOrder(String body) {
        }
    }

    @Requires(property = "spec.name", value = "unbindable")
    @RedisStreamListener(group = "g")
    static class Unbindable {
        @Stream("sf:orders")
        void onOrder(String body, int count) {
        }
    }

    @Requires(property = "spec.name", value = "invalid-dead-letter")
    @RedisStreamListener(group = "g")
    static class InvalidDeadLetter {
        @Stream(value = "sf:orders", maxFailures = "0")
        void onOrder(String body) {
        }
    }

    @Requires(property = "spec.name", value = "invalid-error-policy")
    @RedisStreamListener(group = "billing")
    static class InvalidErrorPolicy {
        @Stream("sf:orders")
        @ErrorPolicy(maxAttempts = "0", delay = "${retry.delay:10ms}")
        void onOrder(String body) {
        }
    }

    @Requires(property = "spec.name", value = "invalid-start-from")
    @RedisStreamListener(group = "g")
    static class InvalidStartFrom {
        @Stream(value = "sf:orders", startFrom = "soon")
        void onOrder(String body) {
        }
    }

    private final RedisServer server = RedisServer.start();

    @AfterAll
    void stop() {
        server.close();
    }

    private String failure(String spec, Map<String, Object> extra) {
        return StartupFailures.failure(spec, server.uri(), extra);
    }

    @Test
    void manualAckModeWithoutAnAcknowledgementParameter() {
        assertMentions(failure("manual-misuse", Map.of()), ManualMisuse.class.getName(), "method onOrder",
                "@Stream(ackMode = MANUAL)", "no Acknowledgement parameter");
        assertMentions(failure("auto-misuse", Map.of()), AutoMisuse.class.getName(), "method onOrder",
                "@Stream(ackMode = AUTO)");
    }

    @Test
    void unknownConnectionName() {
        assertMentions(failure("unknown-connection", Map.of("redis.servers.other.uri", server.uri())),
                UnknownConnection.class.getName(), "method onOrder", "@RedisStreamListener(connection = \"nope\")",
                "redis.servers.nope.uri", "[other]");
    }

    @Test
    void invalidOptionValueInConfiguration() {
        assertMentions(failure("invalid-option", Map.of("rill.consumers.billing.batch-size", "0")),
                InvalidOption.class.getName(), "method onOrder",
                "rill.consumers.billing.batch-size must be between 1 and 100000, was 0");
        assertMentions(failure("invalid-option", Map.of("rill.consumers.default.backoff.jitter", "2")),
                InvalidOption.class.getName(), "rill.consumers.default.backoff.jitter must be between 0 and 1, was 2.0");
    }

    @Test
    void aKeyThatIsNoOptionFailsStartupNamingTheProperty() {
        // a typo must not be ignored without a word: the option keeps its default and nobody notices
        assertMentions(failure("invalid-option", Map.of("rill.consumers.billing.batchsize", "10")),
                "rill.consumers.billing.batchsize is not an option of a consumer group", "batch-size");
        assertMentions(failure("invalid-option", Map.of("rill.consumers.default.retry.max-attempt", "2")),
                "rill.consumers.default.retry.max-attempt is not an option of a consumer group");
    }

    @Test
    void invalidAnnotationValues() {
        assertMentions(failure("invalid-attribute", Map.of("workers", "0")), InvalidAttribute.class.getName(),
                "method onOrder", "@Stream(concurrency) must be between 1 and 4096, was 0");
        assertMentions(failure("invalid-attribute", Map.of("workers", "many")), InvalidAttribute.class.getName(),
                "method onOrder", "@Stream(concurrency) must be a whole number, was 'many'");
        assertMentions(failure("invalid-attribute", Map.of()), InvalidAttribute.class.getName(), "method onOrder",
                "@Stream(concurrency)", "workers");
    }

    @Test
    void parametersThatCannotBeBound() {
        assertMentions(failure("unbindable", Map.of()), Unbindable.class.getName(), "method onOrder",
                "parameter 'count' (int): cannot be bound", "@MessageHeader");
    }

    @Test
    void invalidNestedOptions() {
        assertMentions(failure("invalid-dead-letter", Map.of()), InvalidDeadLetter.class.getName(), "method onOrder",
                "@Stream(maxFailures) must be between 1 and");
        assertMentions(failure("invalid-option", Map.of("rill.consumers.billing.retry.non-retryable", "com.example.NoSuchError")),
                InvalidOption.class.getName(), "method onOrder",
                "rill.consumers.billing.retry.non-retryable names 'com.example.NoSuchError', which is not a class");
        assertMentions(failure("invalid-option", Map.of("rill.consumers.default.reclaim.min-idle", "1s",
                "rill.consumers.default.reclaim.lease-renewal-interval", "1s")),
                InvalidOption.class.getName(), "rill.consumers.default.reclaim.lease-renewal-interval");
    }

    /**
     * Issue 12: a bad retry.backoff.initial of the group was blamed on rill.consumers.default.backoff.initial
     * (the message of the shared Backoff record named backoff.initial, and the property was guessed from it).
     */
    @Test
    void aNestedOptionIsBlamedOnItsOwnProperty() {
        String message = failure("invalid-option", Map.of("rill.consumers.billing.retry.backoff.initial", "0s",
                "rill.consumers.default.backoff.initial", "50ms"));
        assertMentions(message, InvalidOption.class.getName(), "method onOrder",
                "rill.consumers.billing.retry.backoff.initial must be > 0, was PT0S");
        assertFalse(message.contains("rill.consumers.default.backoff.initial"), message);
    }

    /** A problem between two options names each by where it was set, whichever layer that was. */
    @Test
    void bothOptionsOfAProblemAreNamedWhereTheyWereSet() {
        assertMentions(failure("invalid-option", Map.of("rill.consumers.default.retry.backoff.initial", "10s",
                "rill.consumers.billing.retry.backoff.max", "5s")), InvalidOption.class.getName(), "method onOrder",
                "rill.consumers.billing.retry.backoff.max must be >= rill.consumers.default.retry.backoff.initial (PT10S), "
                        + "was PT5S");
    }

    @Test
    void aValueThatIsNotOfTheOptionsTypeNamesTheProperty() {
        assertMentions(failure("invalid-option", Map.of("rill.consumers.billing.batch-size", "many")),
                InvalidOption.class.getName(), "method onOrder", "rill.consumers.billing.batch-size must be a whole number, was 'many'");
        assertMentions(failure("invalid-option", Map.of("rill.consumers.default.reclaim.min-idle", "soon")),
                InvalidOption.class.getName(), "rill.consumers.default.reclaim.min-idle must be a duration");
    }

    @Test
    void invalidErrorPolicy() {
        assertMentions(failure("invalid-error-policy", Map.of()), InvalidErrorPolicy.class.getName(), "method onOrder",
                "@ErrorPolicy(maxAttempts) must be between 1 and 1000, was 0");
        assertMentions(failure("invalid-error-policy", Map.of("retry.delay", "later")), InvalidErrorPolicy.class.getName(),
                "method onOrder", "@ErrorPolicy(delay) must be a duration");
    }

    /**
     * max-deliveries used to be the failure limit; it is now the crash-loop guard and must be at least
     * max-failures, so an old small value fails startup and points at dead-letter.max-failures.
     */
    @Test
    void anOldSmallMaxDeliveriesFailsNamingMaxFailures() {
        assertMentions(failure("invalid-option", Map.of("rill.consumers.billing.dead-letter.max-deliveries", "1")),
                InvalidOption.class.getName(), "method onOrder",
                "rill.consumers.billing.dead-letter.max-deliveries must be >= dead-letter.max-failures (10), was 1",
                "set dead-letter.max-failures instead");
    }

    /**
     * A missing redis.uri is a configuration error: startup fails whatever rill.fail-fast says. An unreachable
     * server fails startup only with rill.fail-fast=true (by default the application starts without Redis:
     * StartupWithoutRedisTest), naming the property and the URI, without its credentials.
     */
    @Test
    void missingOrUnreachableRedis() throws Exception {
        Map<String, Object> none = new HashMap<>();
        none.put("spec.name", "invalid-option");
        RuntimeException e = assertThrows(RuntimeException.class, () -> ApplicationContext.run(none).close());
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append(" | ");
        }
        assertMentions(messages.toString(), InvalidOption.class.getName(), "method onOrder", "set redis.uri");

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String unreachable = failure("invalid-option", Map.of("redis.uri", "redis://billing:s3cret@127.0.0.1:" + closedPort,
                "rill.fail-fast", "true"));
        assertMentions(unreachable, InvalidOption.class.getName(), "onOrder",
                "the primary Redis (redis.uri) at redis://127.0.0.1:" + closedPort + " does not answer: check redis.uri");
        assertTrue(!unreachable.contains("s3cret"), unreachable);
    }

    @Test
    void invalidStartPosition() {
        assertMentions(failure("invalid-option", Map.of("rill.consumers.billing.start-position", "yesterday")),
                InvalidOption.class.getName(), "method onOrder",
                "rill.consumers.billing.start-position must be earliest, latest, an entry ID", "'yesterday'");
        assertMentions(failure("invalid-start-from", Map.of()), InvalidStartFrom.class.getName(), "method onOrder",
                "@Stream(startFrom) must be earliest, latest, an entry ID", "'soon'");
    }
}
