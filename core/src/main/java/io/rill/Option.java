package io.rill;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One option of a subscription (or of a producer: {@link OptionTable#producer()}), as {@link OptionTable} lists it: its key, the type of its value, its default,
 * what it means, and the rule its value must follow. Set one by key with
 * {@link SubscriptionOptions.Builder#option(String, Object)}; the builders' own methods set the same values.
 *
 * @param <T> the type of the value
 */
public final class Option<T> {

    /** The rule a value must follow on its own: null when it does, else the problem ({@code must be > 0, was PT0S}). */
    @FunctionalInterface
    interface Rule<T> {
        String problem(T value);
    }

    private final String key;
    private final Class<T> type;
    private final T defaultValue;
    private final String defaultDescription;
    private final String description;
    private final boolean nullable;
    private final Rule<? super T> rule;
    /** The builder the option is set on: {@link SubscriptionOptions.Builder} or {@link ProducerOptions.Builder}. */
    private final Class<?> target;
    private final BiConsumer<Object, T> setter;

    private Option(String key, Class<T> type, T defaultValue, String defaultDescription, String description, boolean nullable,
            Rule<? super T> rule, Class<?> target, BiConsumer<Object, T> setter) {
        this.key = key;
        this.type = type;
        this.defaultValue = defaultValue;
        this.defaultDescription = defaultDescription;
        this.description = description;
        this.nullable = nullable;
        this.rule = rule;
        this.target = target;
        this.setter = setter;
    }

    /** Starts a row of the table. */
    static <T> Row<T> row(String key, Class<T> type) {
        return new Row<>(key, type);
    }

    /** The key, e.g. {@code retry.backoff.initial}: the names of the nested records and their components, in kebab case. */
    public String key() {
        return key;
    }

    /**
     * The type of the value {@link SubscriptionOptions.Builder#option} takes: {@code Integer}, {@code Long},
     * {@code Double}, {@code Boolean}, {@code String}, {@code Duration}, {@code Path}, an enum, or {@code List}
     * for a list of exception types (fully qualified class names, or {@code Class} objects).
     */
    public Class<T> type() {
        return type;
    }

    /** The value used when none is set; null when there is none, or when it is derived from other options. */
    public T defaultValue() {
        return defaultValue;
    }

    /**
     * The default in words when a plain value does not say it ({@code a third of min-idle}, {@code none},
     * {@code 0 (no limit)}), else null: {@link #defaultValue()} is the default.
     */
    public String defaultDescription() {
        return defaultDescription;
    }

    /** What the option does, one or two sentences. */
    public String description() {
        return description;
    }

    /**
     * What a value of this option must be, for the message of a framework module that could not convert a
     * property: "a whole number", "a duration such as 500ms, 30s or 5m", "one of earliest, latest", ...
     */
    public String expects() {
        if (type == Integer.class || type == Long.class) {
            return "a whole number";
        }
        if (type == Double.class) {
            return "a number";
        }
        if (type == Boolean.class) {
            return "true or false";
        }
        if (type == Duration.class) {
            return "a duration such as 500ms, 30s or 5m";
        }
        if (type == Path.class) {
            return "a path";
        }
        if (type.isEnum()) {
            return Arrays.stream(type.getEnumConstants()).map(c -> c.toString().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(", ", "one of ", ""));
        }
        if (type == List.class) {
            return "a list of fully qualified exception class names";
        }
        return "a " + type.getSimpleName();
    }

    /** Whether null is a value: the option is then unset (no ordering key, no checkpoint directory, a derived value). */
    public boolean nullable() {
        return nullable;
    }

    /** Checks a value on its own; how it relates to other options is checked when the options are built. */
    T check(T value) {
        if (value == null) {
            if (nullable) {
                return null;
            }
            throw new InvalidOptionException(key, null, "must be set");
        }
        String problem = rule.problem(value);
        if (problem != null) {
            throw new InvalidOptionException(key, value, problem);
        }
        return value;
    }

    /** Sets {@code value} on the builder, or on the builder of the nested record the option belongs to. */
    void set(Object builder, Object value) {
        if (!target.isInstance(builder)) {
            throw new IllegalStateException(key + " is an option of " + target.getName() + ", not of " + builder.getClass().getName());
        }
        if (value == null && !nullable) {
            throw new InvalidOptionException(key, null, "must be set");
        }
        if (value instanceof Number n && !type.isInstance(value)) {
            value = widen(n); // an Integer for a Long or Double option
        }
        if (value != null && !type.isInstance(value)) {
            throw new InvalidOptionException(key, value, "must be " + typeName() + ", was a " + value.getClass().getName());
        }
        setter.accept(builder, type.cast(value));
    }

    private Object widen(Number n) {
        if (type == Long.class && (n instanceof Integer || n instanceof Short || n instanceof Byte)) {
            return n.longValue();
        }
        if (type == Double.class && !(n instanceof Double)) {
            return n.doubleValue();
        }
        return n;
    }

    /** How messages name the type: {@code a Duration}, {@code one of LATEST, EARLIEST}. */
    String typeName() {
        if (type.isEnum()) {
            StringBuilder names = new StringBuilder("one of ");
            for (T constant : type.getEnumConstants()) {
                names.append(names.length() > 7 ? ", " : "").append(constant);
            }
            return names.toString();
        }
        if (type == List.class) {
            return "a List of exception class names or classes";
        }
        String name = type.getSimpleName();
        return ("AEIOU".indexOf(name.charAt(0)) >= 0 ? "an " : "a ") + name;
    }

    @Override
    public String toString() {
        return key + " (" + type.getSimpleName().toLowerCase(Locale.ROOT) + ")";
    }

    /** Builds one row of {@link OptionTable}. */
    static final class Row<T> {
        private final String key;
        private final Class<T> type;
        private T defaultValue;
        private String defaultDescription;
        private String description;
        private boolean nullable;
        private Rule<? super T> rule = value -> null;

        private Row(String key, Class<T> type) {
            this.key = key;
            this.type = type;
        }

        /** A plain default value. */
        Row<T> byDefault(T value) {
            this.defaultValue = value;
            return this;
        }

        /** The default in words: derived from other options, none, or a value that needs a word of explanation. */
        Row<T> defaultInWords(String words) {
            this.defaultDescription = words;
            return this;
        }

        /** Null is a value: the option is unset. */
        Row<T> nullable() {
            this.nullable = true;
            return this;
        }

        Row<T> rule(Rule<? super T> rule) {
            this.rule = rule;
            return this;
        }

        Row<T> means(String description) {
            this.description = description;
            return this;
        }

        /** Ends the row with how a value reaches the builders. */
        Option<T> sets(BiConsumer<SubscriptionOptions.Builder, T> setter) {
            if (description == null) {
                throw new IllegalStateException(key + " has no description");
            }
            return new Option<>(key, type, defaultValue, defaultDescription, description, nullable, rule,
                    SubscriptionOptions.Builder.class, (builder, value) -> setter.accept((SubscriptionOptions.Builder) builder, value));
        }

        /** Ends the row of a producer option ({@link OptionTable#producer()}), set on {@link ProducerOptions.Builder}. */
        Option<T> setsProducer(BiConsumer<ProducerOptions.Builder, T> setter) {
            if (description == null) {
                throw new IllegalStateException(key + " has no description");
            }
            return new Option<>(key, type, defaultValue, defaultDescription, description, nullable, rule,
                    ProducerOptions.Builder.class, (builder, value) -> setter.accept((ProducerOptions.Builder) builder, value));
        }

        /** Ends the row of an option of a nested record, set on that record's builder. */
        <B> Option<T> sets(Function<SubscriptionOptions.Builder, B> nested, BiConsumer<B, T> setter) {
            return sets((builder, value) -> setter.accept(nested.apply(builder), value));
        }
    }
}
