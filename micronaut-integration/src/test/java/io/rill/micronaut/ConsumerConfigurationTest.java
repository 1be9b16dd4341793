package io.rill.micronaut;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.micronaut.context.ApplicationContext;
import io.micronaut.inject.qualifiers.Qualifiers;
import io.rill.InvalidOptionException;
import io.rill.StartPosition;
import io.rill.micronaut.config.ConsumerConfiguration;

/**
 * A rill.consumers entry reads the core's options by key, converted to each option's type in the forms a
 * Micronaut property takes (a YAML list or a comma-separated value, camel case), and nothing else.
 */
class ConsumerConfigurationTest {

    @Test
    void readsTheCoresOptionsByKey() {
        try (ApplicationContext context = ApplicationContext.run(Map.of(
                "rill.enabled", "false",
                "rill.consumers.billing.retry.non-retryable", List.of("java.lang.IllegalStateException", "java.io.IOException"),
                "rill.consumers.billing.retry.retryable", "java.lang.RuntimeException,java.io.IOException",
                "rill.consumers.billing.batchSize", "7",
                "rill.consumers.billing.start-position", "earliest",
                "rill.consumers.billing.reclaim.min-idle", "90s",
                "rill.consumers.billing.no-such-option", "1"))) {
            ConsumerConfiguration billing = context.getBean(ConsumerConfiguration.class, Qualifiers.byName("billing"));
            assertEquals("rill.consumers.billing.batch-size", billing.property("batch-size"));
            assertEquals(Map.of(
                    "batch-size", 7,
                    "start-position", StartPosition.EARLIEST,
                    "reclaim.min-idle", Duration.ofSeconds(90),
                    "retry.retryable", List.of("java.lang.RuntimeException", "java.io.IOException"),
                    "retry.non-retryable", List.of("java.lang.IllegalStateException", "java.io.IOException")),
                    billing.options());
        }
    }

    @Test
    void aValueOfTheWrongTypeNamesTheKey() {
        try (ApplicationContext context = ApplicationContext.run(Map.of("rill.enabled", "false",
                "rill.consumers.default.block-timeout", "soon"))) {
            ConsumerConfiguration defaults = context.getBean(ConsumerConfiguration.class, Qualifiers.byName("default"));
            InvalidOptionException e = assertThrows(InvalidOptionException.class, defaults::options);
            assertEquals("block-timeout", e.option());
            assertEquals("rill.consumers.default.block-timeout must be a duration such as 500ms, 30s or 5m, was 'soon'",
                    e.describe(defaults::property));
        }
    }
}
