package io.rill.spring.internal;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;

import io.rill.InvalidOptionException;
import io.rill.Option;
import io.rill.OptionTable;
import io.rill.ProducerOptions;

/**
 * The idempotent producer's options from {@code rill.producer.*}: one property per row of the core's
 * {@link OptionTable#producer()}, converted as the consumer options are and validated by the core; a bad
 * value fails naming its property.
 */
public final class ProducerSettings {

    public static final String PREFIX = "rill.producer.";

    private ProducerSettings() {
    }

    /** @throws IllegalArgumentException naming the property whose value does not convert or is invalid */
    public static ProducerOptions options(Binder binder) {
        ProducerOptions.Builder builder = ProducerOptions.builder();
        try {
            for (Option<?> option : OptionTable.producer()) {
                String property = PREFIX + option.key();
                String text;
                try {
                    text = binder.bind(property, Bindable.of(String.class)).map(String::strip).orElse(null);
                } catch (BindException e) {
                    throw new IllegalArgumentException(property + " cannot be read: " + e.getMessage(), e);
                }
                if (text != null && !text.isEmpty()) {
                    builder.option(option.key(), OptionSettings.convert(option, text));
                }
            }
            return builder.build();
        } catch (InvalidOptionException e) {
            throw new IllegalArgumentException(e.describe(k -> PREFIX + k), e);
        }
    }
}
