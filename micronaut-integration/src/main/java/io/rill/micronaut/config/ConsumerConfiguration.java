package io.rill.micronaut.config;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.context.env.Environment;
import io.rill.InvalidOptionException;
import io.rill.Option;
import io.rill.OptionTable;

/**
 * {@code rill.consumers.<group>.*}: the core options of the subscriptions of one consumer group, and
 * {@code rill.consumers.default.*} for every group. Each option of the core's {@link OptionTable} is the
 * property {@code rill.consumers.<group>.<key>} ({@code retry.backoff.initial}, ...). This bean only reads
 * them: it has no defaults and checks nothing beyond converting text to the option's type; unset options
 * are left to the layer below (annotation over group over {@code default} over the core's defaults) and
 * the core validates the merged values.
 */
@EachProperty(value = ConsumerConfiguration.PREFIX, primary = ConsumerConfiguration.DEFAULT)
public class ConsumerConfiguration {

    public static final String PREFIX = "rill.consumers";
    public static final String DEFAULT = "default";

    private final String name;
    private final Environment environment;

    public ConsumerConfiguration(@Parameter String name, Environment environment) {
        this.name = name;
        this.environment = environment;
    }

    /** The group this entry configures, or {@code default}. */
    public String getName() {
        return name;
    }

    /** The property prefix of this entry, e.g. {@code rill.consumers.billing.}. */
    public String prefix() {
        return PREFIX + "." + name + ".";
    }

    /** The property of an option key in this entry: {@code rill.consumers.billing.retry.max-attempts}. */
    public String property(String key) {
        return prefix() + key;
    }

    /**
     * The options set in this entry, by key, each converted to its {@link Option#type()}.
     *
     * @throws InvalidOptionException naming the key of a value that does not convert
     */
    public Map<String, Object> options() {
        Map<String, Object> set = new LinkedHashMap<>();
        for (Option<?> option : OptionTable.all()) {
            String property = property(option.key());
            if (environment.containsProperty(property)) {
                Object raw = environment.getProperty(property, Object.class).orElse(null);
                set.put(option.key(), OptionSettings.convert(environment, option, raw));
            }
        }
        return set;
    }
}
