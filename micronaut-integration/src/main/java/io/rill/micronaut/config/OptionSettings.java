package io.rill.micronaut.config;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.micronaut.core.convert.ArgumentConversionContext;
import io.micronaut.core.convert.ConversionContext;
import io.micronaut.core.convert.ConversionService;
import io.micronaut.core.type.Argument;
import io.rill.InvalidOptionException;
import io.rill.Option;
import io.rill.StartPosition;
import io.rill.OptionTable;
import io.rill.SubscriptionOptions;

/**
 * Merges the options of one subscription from layers given in increasing precedence
 * ({@code rill.consumers.default}, then {@code rill.consumers.<group>}, then the annotations), remembering
 * where each value was set, and has the core build and validate them. A value the core rejects comes back
 * as an {@link InvalidOptionException} carrying the option's key; the message names the options by where
 * they were set ({@code rill.consumers.billing.retry.backoff.initial must be > 0, was PT0S}).
 */
public final class OptionSettings {

    /** {@code @RedisStreamListener} attributes that set a core option, by attribute. */
    public static final Map<String, String> LISTENER_ATTRIBUTES = Map.of("consumer", "consumer");

    /** {@code @Stream} attributes that set a core option, by attribute ({@code startFrom} is read apart). */
    public static final Map<String, String> STREAM_ATTRIBUTES = ordered(
            "concurrency", "concurrency",
            "orderingKey", "ordering-key",
            "maxFailures", "dead-letter.max-failures",
            "maxDeliveries", "dead-letter.max-deliveries",
            "deadLetter", "dead-letter.stream");

    /** {@code @ErrorPolicy} attributes, by attribute: all of them set a {@code retry.*} option. */
    public static final Map<String, String> ERROR_POLICY_ATTRIBUTES = ordered(
            "maxAttempts", "retry.max-attempts",
            "delay", "retry.backoff.initial",
            "maxDelay", "retry.backoff.max",
            "multiplier", "retry.backoff.multiplier",
            "jitter", "retry.backoff.jitter",
            "retryable", "retry.retryable",
            "nonRetryable", "retry.non-retryable");

    private record Setting(Object value, String source) {
    }

    private final ConversionService conversion;
    private final Map<String, Setting> settings = new HashMap<>();

    /** @param conversion converts annotation attributes (the application's environment) */
    public OptionSettings(ConversionService conversion) {
        this.conversion = conversion;
    }

    /** Sets every option of one {@code rill.consumers} entry, over what earlier layers set. */
    public OptionSettings configuration(ConsumerConfiguration entry) {
        List<String> unknown = entry.unknownKeys();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(entry.property(unknown.get(0)) + " is not an option of a consumer group; "
                    + "the options under " + ConsumerConfiguration.PREFIX + ".<group>. are "
                    + OptionTable.all().stream().map(Option::key).toList());
        }
        try {
            entry.options().forEach((key, value) -> set(key, value, entry.property(key)));
        } catch (InvalidOptionException e) {
            throw new IllegalArgumentException(e.describe(entry::property), e);
        }
        return this;
    }

    /**
     * Sets the options the given attributes of one annotation hold, over what earlier layers set; an attribute
     * left empty sets nothing.
     *
     * @param members core option keys by attribute name, e.g. {@link #STREAM_ATTRIBUTES}
     */
    public OptionSettings annotation(AnnotationAttributes attributes, Map<String, String> members) {
        members.forEach((member, key) -> {
            Option<?> option = OptionTable.find(key).orElseThrow(() -> new IllegalStateException("no option " + key));
            Object raw;
            if (option.type() == List.class) {
                String[] names = attributes.classNames(member);
                raw = names.length == 0 ? null : List.of(names);
            } else {
                String text = attributes.string(member).strip();
                raw = text.isEmpty() ? null : text;
            }
            if (raw != null) {
                try {
                    set(key, convert(conversion, option, raw), attributes.name(member));
                } catch (InvalidOptionException e) {
                    throw new IllegalArgumentException(e.describe(k -> k.equals(key) ? attributes.name(member) : k), e);
                }
            }
        });
        return this;
    }

    /** Sets one option (by its core key) as set at {@code source}; null leaves what an earlier layer set. */
    public OptionSettings set(String key, Object value, String source) {
        if (value != null) {
            settings.put(key, new Setting(value, source));
        }
        return this;
    }

    /** The value some layer set for an option, if any. */
    public Object value(String key) {
        Setting setting = settings.get(key);
        return setting == null ? null : setting.value();
    }

    /** Where an option's value was set: a property or annotation attribute; the key itself when no layer set it. */
    public String source(String key) {
        Setting setting = settings.get(key);
        return setting == null ? key : setting.source();
    }

    /**
     * Builds the options over the core's defaults.
     *
     * @throws IllegalArgumentException the core's {@link InvalidOptionException} as its cause, its message
     *                                  naming each option by where its value was set
     */
    public SubscriptionOptions build(List<String> streams, String group) {
        try {
            SubscriptionOptions.Builder builder = SubscriptionOptions.builder().streams(streams).group(group);
            settings.forEach((key, setting) -> builder.option(key, setting.value()));
            return builder.build();
        } catch (InvalidOptionException e) {
            throw new IllegalArgumentException(e.describe(this::source), e);
        }
    }

    /**
     * Converts a property's or an attribute's value to the option's type with Micronaut's conversion
     * ({@code 2s}, {@code earliest}, {@code a,b}); exception types stay names, which the core resolves.
     *
     * @throws InvalidOptionException naming the option's key when the value does not convert
     */
    public static Object convert(ConversionService conversion, Option<?> option, Object raw) {
        if (raw == null) {
            return null;
        }
        Class<?> type = option.type();
        if (type == StartPosition.class && raw instanceof CharSequence text) {
            return StartPosition.parse(text.toString()); // earliest, latest, an ID or a time; throws naming the key
        }
        Argument<?> argument = type == List.class ? Argument.listOf(String.class) : Argument.of(type);
        ArgumentConversionContext<?> context = ConversionContext.of(argument);
        Optional<?> converted = conversion.convert(raw, context);
        if (converted.isEmpty() || context.getLastError().isPresent()) {
            throw new InvalidOptionException(option.key(), raw, "must be " + option.expects() + ", was '" + raw + "'");
        }
        return converted.get();
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
