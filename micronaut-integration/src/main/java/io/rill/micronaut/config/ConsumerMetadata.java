package io.rill.micronaut.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.rill.Option;
import io.rill.OptionTable;

/**
 * Build step (run by the module's pom after compilation): adds a property for each row of the core's
 * {@link OptionTable} to the configuration metadata Micronaut's annotation processor wrote
 * ({@code META-INF/spring-configuration-metadata.json}), so IDEs complete and explain
 * {@code rill.consumers.<group>.<key>} with the core's type, default and meaning; likewise each row of
 * {@link OptionTable#producer()} as {@code rill.producer.<key>}. {@link ConsumerConfiguration}
 * reads those properties without a getter each, so the processor cannot describe them itself. Running it
 * again replaces what an earlier run added.
 */
public final class ConsumerMetadata {

    static final String FILE = "META-INF/spring-configuration-metadata.json";
    static final String PROPERTY_PREFIX = ConsumerConfiguration.PREFIX + ".*.";
    static final String PRODUCER_PREFIX = ProducerConfiguration.PREFIX + ".";

    private ConsumerMetadata() {
    }

    /** @param args the classes directory holding the processor's metadata ({@code target/classes}) */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: ConsumerMetadata <classes directory>");
        }
        Path file = Path.of(args[0]).resolve(FILE);
        Map<String, Object> metadata = new LinkedHashMap<>();
        if (Files.exists(file)) {
            Object read = new Json(Files.readString(file, StandardCharsets.UTF_8)).value();
            if (read instanceof Map<?, ?> map) {
                map.forEach((key, value) -> metadata.put(String.valueOf(key), value));
            }
        }
        List<Object> properties = new ArrayList<>();
        Object existing = metadata.get("properties");
        if (existing instanceof List<?> list) {
            for (Object property : list) {
                if (!(property instanceof Map<?, ?> map && (String.valueOf(map.get("name")).startsWith(PROPERTY_PREFIX)
                        || String.valueOf(map.get("name")).startsWith(PRODUCER_PREFIX)))) {
                    properties.add(property);
                }
            }
        }
        for (Option<?> option : OptionTable.all()) {
            properties.add(property(option));
        }
        for (Option<?> option : OptionTable.producer()) {
            properties.add(producerProperty(option));
        }
        Map<String, Object> merged = new LinkedHashMap<>(metadata);
        merged.putIfAbsent("groups", List.of());
        merged.put("properties", properties);
        Files.createDirectories(file.getParent());
        StringBuilder out = new StringBuilder();
        Json.write(merged, out, "");
        Files.writeString(file, out.append('\n'), StandardCharsets.UTF_8);
    }

    /** The metadata of one option: {@code rill.consumers.*.<key>}, its type, meaning and default. */
    static Map<String, Object> property(Option<?> option) {
        Map<String, Object> property = new LinkedHashMap<>();
        property.put("name", PROPERTY_PREFIX + option.key());
        property.put("type", option.type() == List.class ? "java.util.List<java.lang.String>" : option.type().getName());
        property.put("sourceType", ConsumerConfiguration.class.getName());
        String description = option.description();
        if (option.defaultDescription() != null) {
            description += " Default: " + option.defaultDescription().replace("`", "") + ".";
        } else if (option.defaultValue() != null) {
            property.put("defaultValue", text(option.defaultValue()));
        }
        property.put("description", description);
        return property;
    }

    /** The metadata of one producer option: {@code rill.producer.<key>}, the default in the description. */
    static Map<String, Object> producerProperty(Option<?> option) {
        Map<String, Object> property = new LinkedHashMap<>();
        property.put("name", PRODUCER_PREFIX + option.key());
        property.put("type", option.type().getCanonicalName());
        property.put("sourceType", ProducerConfiguration.class.getName());
        String dflt = option.defaultDescription() != null ? option.defaultDescription().replace("`", "")
                : String.valueOf(text(option.defaultValue()));
        property.put("description", option.description() + " Default: " + dflt + ".");
        return property;
    }

    /** A default as it would be written in an application.yml. */
    static Object text(Object value) {
        if (value instanceof Duration d) {
            return duration(d);
        }
        if (value instanceof Enum<?> e) {
            return e.name();
        }
        return value;
    }

    /**
     * Just enough JSON for this file: the processor's output is read and written back unchanged but for the
     * properties (no JSON library: a Micronaut {@code JsonMapper} needs a bean context, which a build step has not).
     */
    static final class Json {
        private final String text;
        private int at;

        Json(String text) {
            this.text = text;
        }

        Object value() {
            skipSpace();
            char c = text.charAt(at);
            if (c == '{') {
                Map<String, Object> object = new LinkedHashMap<>();
                at++;
                skipSpace();
                if (text.charAt(at) == '}') {
                    at++;
                    return object;
                }
                do {
                    skipSpace();
                    String key = string();
                    skipSpace();
                    expect(':');
                    object.put(key, value());
                    skipSpace();
                } while (text.charAt(at++) == ',');
                expectPrevious('}');
                return object;
            }
            if (c == '[') {
                List<Object> array = new ArrayList<>();
                at++;
                skipSpace();
                if (text.charAt(at) == ']') {
                    at++;
                    return array;
                }
                do {
                    array.add(value());
                    skipSpace();
                } while (text.charAt(at++) == ',');
                expectPrevious(']');
                return array;
            }
            if (c == '"') {
                return string();
            }
            int start = at;
            while (at < text.length() && ",}] \t\r\n".indexOf(text.charAt(at)) < 0) {
                at++;
            }
            String word = text.substring(start, at);
            return switch (word) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                case "null" -> null;
                default -> new java.math.BigDecimal(word);
            };
        }

        private String string() {
            expect('"');
            StringBuilder s = new StringBuilder();
            for (char c = text.charAt(at++); c != '"'; c = text.charAt(at++)) {
                if (c == '\\') {
                    char e = text.charAt(at++);
                    switch (e) {
                        case 'n' -> s.append('\n');
                        case 't' -> s.append('\t');
                        case 'r' -> s.append('\r');
                        case 'b' -> s.append('\b');
                        case 'f' -> s.append('\f');
                        case 'u' -> {
                            s.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                            at += 4;
                        }
                        default -> s.append(e);
                    }
                } else {
                    s.append(c);
                }
            }
            return s.toString();
        }

        private void skipSpace() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        private void expect(char c) {
            if (text.charAt(at) != c) {
                throw new IllegalStateException("expected '" + c + "' at " + at + " of " + FILE);
            }
            at++;
        }

        private void expectPrevious(char c) {
            if (text.charAt(at - 1) != c) {
                throw new IllegalStateException("expected '" + c + "' at " + (at - 1) + " of " + FILE);
            }
        }

        static void write(Object value, StringBuilder out, String indent) {
            if (value instanceof Map<?, ?> map) {
                out.append("{");
                String inner = indent + "  ";
                int i = 0;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.append(i++ == 0 ? "\n" : ",\n").append(inner);
                    write(String.valueOf(e.getKey()), out, inner);
                    out.append(": ");
                    write(e.getValue(), out, inner);
                }
                out.append(map.isEmpty() ? "" : "\n" + indent).append("}");
            } else if (value instanceof List<?> list) {
                out.append("[");
                String inner = indent + "  ";
                for (int i = 0; i < list.size(); i++) {
                    out.append(i == 0 ? "\n" : ",\n").append(inner);
                    write(list.get(i), out, inner);
                }
                out.append(list.isEmpty() ? "" : "\n" + indent).append("]");
            } else if (value instanceof String s) {
                out.append('"');
                for (char c : s.toCharArray()) {
                    switch (c) {
                        case '"' -> out.append("\\\"");
                        case '\\' -> out.append("\\\\");
                        case '\n' -> out.append("\\n");
                        case '\r' -> out.append("\\r");
                        case '\t' -> out.append("\\t");
                        default -> {
                            if (c < 0x20) {
                                out.append(String.format("\\u%04x", (int) c));
                            } else {
                                out.append(c);
                            }
                        }
                    }
                }
                out.append('"');
            } else if (value instanceof java.math.BigDecimal || value instanceof Number || value instanceof Boolean || value == null) {
                out.append(value);
            } else {
                write(String.valueOf(value), out, indent);
            }
        }
    }

    /** {@code 2s}, {@code 50ms}, {@code 7d}: the largest whole unit. */
    public static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        long[] units = {86_400_000, 3_600_000, 60_000, 1000};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (ms % units[i] == 0) {
                return ms / units[i] + names[i];
            }
        }
        return ms + "ms";
    }
}
