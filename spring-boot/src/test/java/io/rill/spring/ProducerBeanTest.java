package io.rill.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.rill.Output;
import io.rill.publish.Producer;
import io.rill.spring.autoconfigure.RillProducerAutoConfiguration;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

/** The idempotent Producer bean on Boot's connection, configured under rill.producer.* from the core's table. */
class ProducerBeanTest {

    static final RedisServer server = RedisServer.start();

    @TempDir
    Path outbox;

    @AfterAll
    static void stop() {
        server.close();
    }

    private ApplicationContextRunner runner() {
        return Contexts.runner(server.uri()).withConfiguration(AutoConfigurations.of(RillProducerAutoConfiguration.class));
    }

    @Test
    void aRetriedPublishAddsOneEntryThroughTheConfiguredOutbox() {
        runner().withPropertyValues("rill.producer.retention=10m", "rill.producer.outbox.directory=" + outbox,
                "rill.producer.outbox.identity=api-1", "rill.producer.outbox.fsync=always").run(context -> {
                    Producer producer = context.getBean(Producer.class);
                    assertEquals(Duration.ofMinutes(10), producer.options().retention());
                    assertTrue(producer.options().outbox().enabled());
                    Output entry = Output.of("spring:orders", Map.of("sku", "A-1"));
                    String first = producer.publish("order-1", entry).join();
                    for (int retry = 0; retry < 3; retry++) {
                        assertEquals(first, producer.publish("order-1", entry).join());
                    }
                    try (RedisFixture redis = new RedisFixture(server)) {
                        assertEquals(1, redis.commands().xlen("spring:orders"));
                    }
                });
        // closed with the context: the identity can be claimed again
        runner().withPropertyValues("rill.producer.outbox.directory=" + outbox, "rill.producer.outbox.identity=api-1")
                .run(context -> assertEquals(0, context.getBean(Producer.class).buffered()));
    }

    @Test
    void withAnOutboxTheProducerIsMadeAtStartupAndSendsWhatAnEarlierProcessLeft() throws Exception {
        // an earlier process left two entries in the outbox (Redis was away when it stopped)
        io.rill.OutboxOptions options = io.rill.OutboxOptions.builder().directory(outbox).identity("api-2").build();
        try (io.rill.internal.publish.Outbox left = io.rill.internal.publish.Outbox.open(options, entries -> {
            throw new IllegalStateException("Redis away");
        }, Duration.ofSeconds(1))) {
            left.add("l-1", Output.of("spring:left", Map.of("n", "1")));
            left.add("l-2", Output.of("spring:left", Map.of("n", "2")));
        }
        runner().withPropertyValues("rill.producer.outbox.directory=" + outbox, "rill.producer.outbox.identity=api-2")
                .run(context -> {
                    try (RedisFixture redis = new RedisFixture(server)) {
                        // nobody asked for the bean: startup made it, and it sends
                        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                                .until(() -> redis.commands().xlen("spring:left") == 2);
                    }
                });
    }

    @Test
    void aBadProducerPropertyFailsStartupNamingIt() {
        String failure = Contexts.failure(runner().withPropertyValues("rill.producer.outbox.max-entries=0",
                "rill.producer.outbox.directory=" + outbox));
        Contexts.assertMentions(failure, "rill.producer.outbox.max-entries", "must be between 1");
        String duration = Contexts.failure(runner().withPropertyValues("rill.producer.retention=soon"));
        Contexts.assertMentions(duration, "rill.producer.retention", "a duration");
    }
}
