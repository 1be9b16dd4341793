package io.rill.console;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** Every {@code rill.console.*} key docs/console.md names is a property of {@link ConsoleConfiguration}. */
class ConsoleDocsTest {

    private static final Path ROOT = Path.of(System.getProperty("rill.root", "..")).toAbsolutePath().normalize();

    /** The keys under rill.console, from the configuration bean's setters. */
    private static Set<String> properties() throws Exception {
        Set<String> properties = new TreeSet<>();
        for (PropertyDescriptor property : Introspector.getBeanInfo(ConsoleConfiguration.class).getPropertyDescriptors()) {
            if (property.getWriteMethod() != null) {
                properties.add(kebab(property.getName()));
            }
        }
        return properties;
    }

    @Test
    void theDocsNameOnlyKeysTheConsoleHas() throws Exception {
        Set<String> properties = properties();
        String text = Files.readString(ROOT.resolve("docs/console.md"));
        List<String> problems = new ArrayList<>();
        Matcher keys = Pattern.compile("rill\\.console\\.([a-z-]+)").matcher(text);
        int seen = 0;
        while (keys.find()) {
            seen++;
            if (!properties.contains(keys.group(1))) {
                problems.add(keys.group() + " is not a property of ConsoleConfiguration " + properties);
            }
        }
        assertTrue(seen > 5, "docs/console.md names the console's keys");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theYamlBlockOfTheDocsUsesTheSameKeys() throws Exception {
        Set<String> properties = properties();
        // the nested form (rill: console: enabled:) is what applications write: its keys are checked too
        List<String> lines = Files.readAllLines(ROOT.resolve("docs/console.md"));
        boolean inConsole = false;
        List<String> problems = new ArrayList<>();
        for (String line : lines) {
            if (line.strip().equals("console:")) {
                inConsole = true;
                continue;
            }
            if (inConsole) {
                Matcher key = Pattern.compile("^\\s{4}([a-z-]+):").matcher(line);
                if (!key.find()) {
                    inConsole = false;
                    continue;
                }
                String name = key.group(1);
                if (!properties.contains(name)) {
                    problems.add("rill.console." + name);
                }
            }
        }
        assertTrue(problems.isEmpty(), "unknown keys in a YAML block: " + problems);
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
