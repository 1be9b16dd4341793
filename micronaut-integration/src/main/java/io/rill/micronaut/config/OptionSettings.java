package io.rill.micronaut.config;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import io.rill.SubscriptionOptions;

/**
 * Collects the options of one subscription from layers given in increasing precedence
 * ({@code rill.consumers.default}, then {@code rill.consumers.<group>}, then the annotations) and builds
 * the {@link SubscriptionOptions} once. It remembers where each option was set so that a value the core
 * rejects is reported under the name the user wrote ({@code rill.consumers.billing.batch-size must be ...}).
 *
 * <p>Flat options are set with {@link #set}; options the core groups into a record (such as
 * {@code backoff.*}) are set part by part with {@link #setPart} and assembled once, after all layers.
 */
public final class OptionSettings {

    /** A core option made of parts, assembled from the parts set in any layer over the core's defaults. */
    public record Composite<C>(String name, Function<Parts, C> assemble, BiConsumer<SubscriptionOptions.Builder, C> setter) {
    }

    /** The parts of one composite that some layer set, by part name. */
    public static final class Parts {
        private final Map<String, Object> values;

        Parts(Map<String, Object> values) {
            this.values = values;
        }

        @SuppressWarnings("unchecked")
        public <T> T get(String part, T otherwise) {
            Object value = values.get(part);
            return value != null ? (T) value : otherwise;
        }
    }

    private record Setting(String source, BiConsumer<SubscriptionOptions.Builder, Object> apply, Object value) {
    }

    private final Map<String, Setting> settings = new LinkedHashMap<>();
    private final Map<Composite<?>, Map<String, Object>> parts = new LinkedHashMap<>();
    private final Map<String, String> partSources = new HashMap<>();
    private UnaryOperator<String> naming = UnaryOperator.identity();

    /**
     * Starts the next layer; what it sets overrides earlier layers.
     *
     * @param naming turns a core option name ({@code batch-size}) into where this layer's value came from
     *               ({@code rill.consumers.billing.batch-size}, {@code @Stream(concurrency)})
     */
    public OptionSettings layer(UnaryOperator<String> naming) {
        this.naming = Objects.requireNonNull(naming, "naming");
        return this;
    }

    /** Sets a flat option; a null value leaves what an earlier layer set. */
    @SuppressWarnings("unchecked")
    public <T> OptionSettings set(String option, T value, BiConsumer<SubscriptionOptions.Builder, T> setter) {
        if (value != null) {
            settings.put(option, new Setting(naming.apply(option), (BiConsumer<SubscriptionOptions.Builder, Object>) setter, value));
        }
        return this;
    }

    /** Sets one part of a composite option (option name {@code <composite>.<part>}); null leaves it as it was. */
    public OptionSettings setPart(Composite<?> composite, String part, Object value) {
        if (value != null) {
            parts.computeIfAbsent(composite, c -> new HashMap<>()).put(part, value);
            String option = composite.name() + "." + part;
            partSources.put(option, naming.apply(option));
        }
        return this;
    }

    /** The value some layer set for a flat option, if any. */
    @SuppressWarnings("unchecked")
    public <T> T get(String option) {
        Setting setting = settings.get(option);
        return setting == null ? null : (T) setting.value();
    }

    /** The value some layer set for one part of a composite option, if any. */
    @SuppressWarnings("unchecked")
    public <T> T part(Composite<?> composite, String part) {
        Map<String, Object> set = parts.get(composite);
        return set == null ? null : (T) set.get(part);
    }

    /**
     * Builds the options over the core's defaults.
     *
     * @throws IllegalArgumentException the core's validation message, with the option's name replaced by
     *                                  where the offending value was set
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public SubscriptionOptions build(List<String> streams, String group) {
        try {
            SubscriptionOptions.Builder builder = SubscriptionOptions.builder().streams(streams).group(group);
            settings.values().forEach(s -> s.apply().accept(builder, s.value()));
            for (Map.Entry<Composite<?>, Map<String, Object>> e : parts.entrySet()) {
                Composite composite = e.getKey();
                composite.setter().accept(builder, composite.assemble().apply(new Parts(e.getValue())));
            }
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(attribute(String.valueOf(e.getMessage())), e);
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("an option has a value of the wrong type: " + e.getMessage(), e);
        }
    }

    /** Replaces the option name a core message starts with by where its value was set. */
    private String attribute(String message) {
        String option = null;
        String source = null;
        for (Map.Entry<String, String> candidate : sources().entrySet()) {
            String name = candidate.getKey();
            if (message.startsWith(name + " ") && (option == null || name.length() > option.length())) {
                option = name;
                source = candidate.getValue();
            }
        }
        return option == null ? message : source + message.substring(option.length());
    }

    private Map<String, String> sources() {
        Map<String, String> all = new HashMap<>(partSources);
        settings.forEach((option, setting) -> all.put(option, setting.source()));
        return all;
    }
}
