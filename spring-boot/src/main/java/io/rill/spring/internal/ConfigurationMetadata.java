package io.rill.spring.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.rill.Option;
import io.rill.OptionTable;

import tools.jackson.databind.json.JsonMapper;

/**
 * Adds {@code rill.consumers.default.<key>} for every option of the core's {@link OptionTable} to the
 * configuration metadata Boot's annotation processor wrote for {@code rill.*}, so that IDEs complete and
 * document them (a group's own entries, {@code rill.consumers.<group>.<key>}, take the same keys). Run by the
 * build after compiling ({@code process-classes}); the table is the one source of names, types, defaults and
 * descriptions.
 */
public final class ConfigurationMetadata {

    static final String FILE = "META-INF/spring-configuration-metadata.json";

    private ConfigurationMetadata() {
    }

    /** @param args the classes directory, holding the processor's {@value #FILE} */
    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]).resolve(FILE);
        JsonMapper mapper = JsonMapper.builder().build();
        @SuppressWarnings("unchecked")
        Map<String, Object> metadata = Files.exists(file) ? mapper.readValue(file.toFile(), Map.class) : new LinkedHashMap<>();
        metadata.put("groups", merge(list(metadata, "groups"), groups()));
        metadata.put("properties", merge(list(metadata, "properties"), properties()));
        metadata.put("hints", merge(list(metadata, "hints"), hints()));
        Files.createDirectories(file.getParent());
        Files.writeString(file, mapper.writerWithDefaultPrettyPrinter().writeValueAsString(metadata));
    }

    /** The metadata's {@code rill.consumers.default} group. */
    static List<Map<String, Object>> groups() {
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("name", OptionSettings.PREFIX + "." + OptionSettings.DEFAULT);
        group.put("description", "The options of every consumer group; rill.consumers.<group>.* takes the same keys "
                + "and overrides these for one group.");
        return List.of(group);
    }

    /** One property per option: {@code rill.consumers.default.<key>}. */
    static List<Map<String, Object>> properties() {
        List<Map<String, Object>> properties = new ArrayList<>();
        for (Option<?> option : OptionTable.all()) {
            Map<String, Object> property = new LinkedHashMap<>();
            property.put("name", name(option));
            property.put("type", option.type() == List.class ? "java.util.List<java.lang.String>" : option.type().getName());
            String description = option.description();
            if (option.defaultDescription() != null) {
                description += " Default: " + option.defaultDescription() + ".";
            }
            property.put("description", description);
            Object defaultValue = defaultValue(option.defaultValue());
            if (defaultValue != null) {
                property.put("defaultValue", defaultValue);
            }
            properties.add(property);
        }
        for (Option<?> option : OptionTable.producer()) { // rill.producer.*: the idempotent producer's
            Map<String, Object> property = new LinkedHashMap<>();
            property.put("name", ProducerSettings.PREFIX + option.key());
            property.put("type", option.type().getName());
            property.put("description", option.description() + (option.defaultDescription() != null
                    ? " Default: " + option.defaultDescription() + "." : ""));
            Object defaultValue = defaultValue(option.defaultValue());
            if (defaultValue != null) {
                property.put("defaultValue", defaultValue);
            }
            properties.add(property);
        }
        return properties;
    }

    /** The values of enum options, lower case as they are usually written. */
    static List<Map<String, Object>> hints() {
        List<Map<String, Object>> hints = new ArrayList<>();
        for (Option<?> option : OptionTable.all()) {
            if (option.type().isEnum()) {
                List<Map<String, Object>> values = new ArrayList<>();
                for (Object constant : option.type().getEnumConstants()) {
                    values.add(Map.of("value", constant.toString().toLowerCase(Locale.ROOT)));
                }
                hints.add(Map.of("name", name(option), "values", values));
            }
        }
        return hints;
    }

    static String name(Option<?> option) {
        return OptionSettings.PREFIX + "." + OptionSettings.DEFAULT + "." + option.key();
    }

    private static Object defaultValue(Object value) {
        if (value instanceof Duration d) {
            long millis = d.toMillis();
            return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
        }
        if (value instanceof Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT);
        }
        if (value instanceof Number || value instanceof Boolean || value instanceof String) {
            return value;
        }
        return value == null ? null : value.toString();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> metadata, String key) {
        Object value = metadata.get(key);
        return value instanceof List<?> list ? (List<Map<String, Object>>) list : new ArrayList<>();
    }

    /** The processor's entries, then ours, without a name twice (a re-run of this step changes nothing). */
    private static List<Map<String, Object>> merge(List<Map<String, Object>> existing, List<Map<String, Object>> added) {
        Map<Object, Map<String, Object>> byName = new LinkedHashMap<>();
        existing.forEach(e -> byName.put(e.get("name"), e));
        added.forEach(e -> byName.put(e.get("name"), e));
        return new ArrayList<>(byName.values());
    }
}
