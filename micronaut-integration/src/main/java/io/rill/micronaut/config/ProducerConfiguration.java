package io.rill.micronaut.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.env.Environment;
import io.micronaut.core.value.PropertyCatalog;
import io.rill.InvalidOptionException;
import io.rill.Option;
import io.rill.OptionTable;
import io.rill.ProducerOptions;

/**
 * {@code rill.producer.*}: the options of the idempotent producer behind {@code IdempotentStreamPublisher},
 * one property per row of the core's {@link OptionTable#producer()} ({@code rill.producer.retention},
 * {@code rill.producer.outbox.directory}, ...). Read and validated by the core at startup, so a bad value or a
 * key that is no option fails the application naming the property.
 */
@Context
public class ProducerConfiguration {

    public static final String PREFIX = "rill.producer";

    private final ProducerOptions options;

    public ProducerConfiguration(Environment environment) {
        List<String> unknown = new ArrayList<>();
        Set<String> known = new HashSet<>();
        OptionTable.producer().forEach(option -> known.add(option.key()));
        collectUnknown(environment, "", known, unknown);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(property(unknown.get(0)) + " is not an option of the producer; the "
                    + "options under " + PREFIX + ". are " + known.stream().sorted().toList());
        }
        try {
            ProducerOptions.Builder builder = ProducerOptions.builder();
            for (Option<?> option : OptionTable.producer()) {
                String property = property(option.key());
                if (environment.containsProperty(property)) {
                    Object raw = environment.getProperty(property, Object.class).orElse(null);
                    builder.option(option.key(), OptionSettings.convert(environment, option, raw));
                }
            }
            this.options = builder.build();
        } catch (InvalidOptionException e) {
            throw new IllegalArgumentException(e.describe(ProducerConfiguration::property), e);
        }
    }

    /** The property of a producer option key: {@code rill.producer.outbox.directory}. */
    public static String property(String key) {
        return PREFIX + "." + key;
    }

    /** The options, over the core's defaults. */
    public ProducerOptions options() {
        return options;
    }

    private static void collectUnknown(Environment environment, String path, Set<String> known, List<String> unknown) {
        for (String entry : environment.getPropertyEntries(PREFIX + (path.isEmpty() ? "" : "." + path),
                PropertyCatalog.NORMALIZED)) {
            String key = path.isEmpty() ? entry : path + "." + entry;
            if (known.contains(key)) {
                continue;
            }
            if (known.stream().anyMatch(k -> k.startsWith(key + "."))) {
                collectUnknown(environment, key, known, unknown);
            } else {
                unknown.add(key);
            }
        }
    }
}
