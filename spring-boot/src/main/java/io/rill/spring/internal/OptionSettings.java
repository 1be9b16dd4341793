package io.rill.spring.internal;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import io.rill.InvalidOptionException;
import io.rill.Option;
import io.rill.OptionTable;
import io.rill.StartPosition;
import io.rill.SubscriptionOptions;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Merges the options of one subscription from layers given in increasing precedence
 * ({@code rill.consumers.default}, then {@code rill.consumers.<group>}, then the annotations), remembering
 * where each value was set, and has the core build and validate them. A value the core rejects, or one that
 * does not convert, fails with a message naming the property or attribute it came from.
 */
public final class OptionSettings {

    public static final String PREFIX = "rill.consumers";
    public static final String DEFAULT = "default";

    /** {@code @RedisStreamListener} attributes that set a core option, by attribute. */
    public static final Map<String, String> LISTENER_ATTRIBUTES = ordered(
            "consumer", "consumer",
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

    private final Map<String, Setting> settings = new HashMap<>();

    /**
     * Sets every option configured under {@code rill.consumers.<entry>.*}, over what earlier layers set.
     *
     * @throws IllegalArgumentException naming the property whose value does not convert
     */
    public OptionSettings configuration(Binder binder, String entry) {
        String prefix = PREFIX + "." + propertyName(entry) + ".";
        for (Option<?> option : OptionTable.all()) {
            String property = prefix + option.key();
            Object value = bind(binder, option, property);
            if (value != null) {
                settings.put(option.key(), new Setting(value, property));
            }
        }
        return this;
    }

    /** Sets one option (by its core key) as set at {@code source}; null or blank leaves what an earlier layer set. */
    public OptionSettings set(String key, Object value, String source) {
        if (value == null || value instanceof String s && s.isBlank()) {
            return this;
        }
        Option<?> option = OptionTable.find(key).orElseThrow(() -> new IllegalStateException("no option " + key));
        try {
            settings.put(key, new Setting(convert(option, value), source));
        } catch (InvalidOptionException e) {
            throw new IllegalArgumentException(e.describe(k -> k.equals(key) ? source : k), e);
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

    /** Where an option is described: its property, as {@link #describe} names options in messages. */
    public Function<String, String> sources() {
        return this::source;
    }

    /**
     * The property name segment of a group: property names are kebab case, so group {@code orderService} is
     * configured under {@code rill.consumers.order-service}.
     */
    public static String propertyName(String group) {
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < group.length(); i++) {
            char c = group.charAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0 && group.charAt(i - 1) != '-') {
                    name.append('-');
                }
                name.append(Character.toLowerCase(c));
            } else if (Character.isLetterOrDigit(c) || c == '-') {
                name.append(c);
            } else {
                name.append('-'); // '.', ':' and the like would start another level of the property name
            }
        }
        return name.toString();
    }

    /**
     * Fails on a property under {@code rill.consumers.<group>.} that is no option (a typo such as
     * {@code batchsize-max} would otherwise be ignored without a word). Names are compared as relaxed binding
     * does: without dashes, underscores and dots, in lower case, so {@code RILL_CONSUMERS_BILLING_BATCH_SIZE}
     * is {@code batch-size}.
     *
     * @throws IllegalArgumentException naming the property and listing the options
     */
    public static void requireKnownKeys(ConfigurableEnvironment environment) {
        Set<String> known = new HashSet<>();
        for (Option<?> option : OptionTable.all()) {
            known.add(relaxed(option.key()));
        }
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (!(source instanceof IterableConfigurationPropertySource iterable)) {
                continue;
            }
            for (ConfigurationPropertyName name : iterable) {
                if (name.getNumberOfElements() < 4 || !name.getElement(0, Form.UNIFORM).equals("rill")
                        || !name.getElement(1, Form.UNIFORM).equals("consumers")) {
                    continue;
                }
                StringBuilder key = new StringBuilder();
                for (int i = 3; i < name.getNumberOfElements(); i++) {
                    if (!name.isNumericIndex(i)) {
                        key.append(name.getElement(i, Form.UNIFORM));
                    }
                }
                if (!known.contains(relaxed(key.toString()))) {
                    throw new IllegalArgumentException(name + " is not an option of a consumer group (in "
                            + iterable.getUnderlyingSource() + "); the options under rill.consumers.<group>. are "
                            + OptionTable.all().stream().map(Option::key).toList());
                }
            }
        }
    }

    private static String relaxed(String key) {
        return key.replace("-", "").replace("_", "").replace(".", "").toLowerCase(Locale.ROOT);
    }

    /** One option's property, converted; null when unset. */
    private static Object bind(Binder binder, Option<?> option, String property) {
        Class<?> type = option.type();
        try {
            if (type == List.class) {
                return binder.bind(property, Bindable.listOf(String.class)).orElse(null);
            }
            String text = binder.bind(property, Bindable.of(String.class)).map(String::strip).orElse(null);
            if (text == null || text.isEmpty()) {
                return null;
            }
            return convert(option, text);
        } catch (InvalidOptionException e) {
            throw new IllegalArgumentException(e.describe(k -> k.equals(option.key()) ? property : k), e);
        } catch (BindException e) {
            throw new IllegalArgumentException(property + " cannot be read: " + String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
    }

    /**
     * Converts text to the option's type ({@code 2s}, {@code earliest}, {@code a,b}); values of the right type
     * pass; exception types stay names, which the core resolves.
     *
     * @throws InvalidOptionException naming the option's key when the value does not convert
     */
    static Object convert(Option<?> option, Object raw) {
        Class<?> type = option.type();
        if (type.isInstance(raw)) {
            return raw;
        }
        if (type == List.class) {
            if (raw instanceof String[] names) {
                return List.of(names);
            }
            return Arrays.stream(String.valueOf(raw).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }
        String text = String.valueOf(raw).strip();
        if (type == StartPosition.class) {
            return StartPosition.parse(text); // earliest, latest, an ID or a time; throws naming the key
        }
        if (type == Path.class) {
            return Path.of(text);
        }
        ConversionService conversion = ApplicationConversionService.getSharedInstance();
        try {
            Object converted = conversion.convert(text, type);
            if (converted != null) {
                return converted;
            }
        } catch (RuntimeException e) {
            // described below: the message names the option and what it expects
        }
        throw new InvalidOptionException(option.key(), raw, "must be " + option.expects() + ", was '" + raw + "'");
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
