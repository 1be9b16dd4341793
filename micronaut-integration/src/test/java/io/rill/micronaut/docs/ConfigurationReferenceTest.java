package io.rill.micronaut.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md's tables are what {@link ConfigurationReference} generates, and the YAML shown for
 * Micronaut in the docs only uses keys that exist. To regenerate the page:
 * {@code ./mvnw -pl micronaut-integration -am test -Dtest=ConfigurationReferenceTest -Drill.docs.update=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ConfigurationReferenceTest {

    static final Path ROOT = Path.of(System.getProperty("rill.root", "..")).toAbsolutePath().normalize();

    @Test
    void configurationMdHasTheGeneratedTables() throws IOException {
        ConfigurationReference reference = new ConfigurationReference();
        String generated = reference.markdown();
        assertTrue(reference.problems().isEmpty(), String.join("\n", reference.problems()));

        Path page = ROOT.resolve("docs/configuration.md");
        String text = Files.readString(page);
        int begin = text.indexOf(ConfigurationReference.BEGIN);
        int end = text.indexOf(ConfigurationReference.END);
        assertTrue(begin >= 0 && end > begin, "docs/configuration.md has no generated part: put the two marker lines "
                + "(ConfigurationReference.BEGIN and END) where the tables go");
        String current = text.substring(begin, end + ConfigurationReference.END.length());
        if (!current.equals(generated) && Boolean.getBoolean("rill.docs.update")) {
            Files.writeString(page, text.substring(0, begin) + generated + text.substring(end + ConfigurationReference.END.length()));
            return;
        }
        assertEquals(generated, current, "docs/configuration.md is out of date: run ./mvnw -pl micronaut-integration -am test "
                + "-Dtest=ConfigurationReferenceTest -Drill.docs.update=true -Dsurefire.failIfNoSpecifiedTests=false");
    }

    @Test
    void everyCoreOptionIsAPropertyAndEveryConsumerPropertyACoreOption() {
        ConfigurationReference reference = new ConfigurationReference();
        Set<String> core = new TreeSet<>();
        reference.options().forEach(o -> core.add(o.name()));
        core.removeAll(List.of("streams", "group"));
        Set<String> micronaut = new TreeSet<>();
        reference.properties().keySet().stream().filter(k -> k.startsWith(ConfigurationReference.CONSUMERS))
                .forEach(k -> micronaut.add(k.substring(ConfigurationReference.CONSUMERS.length())));
        assertEquals(core, micronaut, "the core's options and the rill.consumers.<group>.* properties differ");
    }

    @Test
    void durationsAndNamesAreWrittenAsInConfiguration() {
        assertEquals("50ms", ConfigurationReference.duration(Duration.ofMillis(50)));
        assertEquals("1h", ConfigurationReference.duration(Duration.ofHours(1)));
        assertEquals("7d", ConfigurationReference.duration(Duration.ofDays(7)));
        assertEquals("retry-backoff", ConfigurationReference.kebab("retryBackoff"));
    }

    /** rill.* keys in the docs' yaml and properties blocks exist in the configuration metadata. */
    @Test
    void theDocsShowOnlyRillKeysThatExist() throws IOException {
        Set<String> known = new ConfigurationReference().properties().keySet();
        List<String> problems = new ArrayList<>();
        List<Path> documents = new ArrayList<>();
        documents.add(ROOT.resolve("README.md"));
        try (var files = Files.walk(ROOT.resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        documents.add(ROOT.resolve("examples/order-service/src/main/resources/application.yml"));
        for (Path document : documents) {
            List<String> lines = Files.readAllLines(document);
            boolean yamlFile = document.toString().endsWith(".yml");
            String language = yamlFile ? "yaml" : null;
            List<String> block = new ArrayList<>();
            int start = 0;
            for (int i = 0; i <= lines.size(); i++) {
                String line = i < lines.size() ? lines.get(i) : "```";
                if (yamlFile && i < lines.size()) {
                    block.add(line);
                    continue;
                }
                if (line.strip().startsWith("```")) {
                    if (language == null && !yamlFile) {
                        language = line.strip().substring(3).strip();
                        block.clear();
                        start = i + 1;
                    } else {
                        for (String key : keys(language, block)) {
                            String generic = key.replaceFirst("^rill\\.consumers\\.[^.]+\\.", ConfigurationReference.CONSUMERS);
                            // rill.console.* belong to the console module: its ConsoleDocsTest checks them
                            if (key.startsWith("rill.") && !key.startsWith("rill.console.") && !known.contains(generic)
                                    && known.stream().noneMatch(k -> k.startsWith(generic + "."))) {
                                problems.add(ROOT.relativize(document) + ":" + (start + 1) + ": " + key + " is not a rill-micronaut key");
                            }
                        }
                        language = null;
                    }
                } else if (language != null) {
                    block.add(line);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** The dotted keys of a yaml (indentation-nested maps) or properties block. */
    static List<String> keys(String language, List<String> lines) {
        List<String> keys = new ArrayList<>();
        if (language.equals("properties")) {
            for (String line : lines) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.strip().startsWith("#")) {
                    keys.add(line.substring(0, eq).strip());
                }
            }
        } else if (language.equals("yaml") || language.equals("yml")) {
            List<int[]> indents = new ArrayList<>();
            List<String> path = new ArrayList<>();
            Pattern entry = Pattern.compile("^(\\s*)([\\w.*<>-]+):(.*)$");
            for (String line : lines) {
                Matcher m = entry.matcher(line);
                if (line.strip().startsWith("#") || !m.matches()) {
                    continue;
                }
                int indent = m.group(1).length();
                while (!indents.isEmpty() && indents.getLast()[0] >= indent) {
                    indents.removeLast();
                    path.removeLast();
                }
                indents.add(new int[] {indent});
                path.add(m.group(2));
                String value = m.group(3).replaceAll("#.*$", "").strip();
                if (!value.isEmpty()) {
                    keys.add(String.join(".", path));
                }
            }
        }
        return keys;
    }
}
