package io.rill.micronaut.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.context.env.Environment;
import io.micronaut.core.value.PropertyCatalog;
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
     * Keys set under this entry that are no option (a typo such as {@code batchsize} would otherwise be
     * ignored without a word), from the application's configuration files and maps; environment variables,
     * which Micronaut spells several ways, are left to the options' own lookup.
     */
    public List<String> unknownKeys() {
        Set<String> known = new HashSet<>();
        OptionTable.all().forEach(option -> known.add(option.key()));
        List<String> unknown = new ArrayList<>();
        collectUnknown("", known, unknown);
        return unknown;
    }

    private void collectUnknown(String path, Set<String> known, List<String> unknown) {
        for (String entry : environment.getPropertyEntries(PREFIX + "." + name + (path.isEmpty() ? "" : "." + path),
                PropertyCatalog.NORMALIZED)) {
            String key = path.isEmpty() ? entry : path + "." + entry;
            if (known.contains(key)) {
                continue;
            }
            if (known.stream().anyMatch(k -> k.startsWith(key + "."))) {
                collectUnknown(key, known, unknown); // a group of options, such as retry
            } else {
                unknown.add(key);
            }
        }
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
