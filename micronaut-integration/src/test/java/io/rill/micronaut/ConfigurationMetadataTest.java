package io.rill.micronaut;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.rill.Option;
import io.rill.OptionTable;

/**
 * The configuration metadata IDEs complete keys from is generated into the jar, it has a property for every
 * row of the core's option table (with its type and meaning), and docs/configuration.md lists every key in it.
 */
class ConfigurationMetadataTest {

    private static String metadata() throws Exception {
        try (InputStream in = RillSubscriptions.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertNotNull(in, "META-INF/spring-configuration-metadata.json is not generated");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> keys() throws Exception {
        String json = metadata();
        String properties = json.substring(json.indexOf("\"properties\""));
        List<String> keys = new ArrayList<>();
        Matcher m = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"").matcher(properties);
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
    }

    @Test
    void everyCoreOptionHasAConsumerProperty() throws Exception {
        List<String> keys = keys();
        String json = metadata();
        for (Option<?> option : OptionTable.all()) {
            String name = "rill.consumers.*." + option.key();
            assertTrue(keys.contains(name), "no metadata for " + name + " in " + keys);
            String type = option.type() == List.class ? "java.util.List<java.lang.String>" : option.type().getName();
            assertTrue(json.contains("\"name\": \"" + name + "\",\n      \"type\": \"" + type + "\""),
                    name + " is not described as a " + type);
        }
        assertEquals(OptionTable.all().size(), keys.stream().filter(k -> k.startsWith("rill.consumers.*.")).count(),
                "a rill.consumers property that is no core option");
        assertTrue(keys.containsAll(List.of("rill.enabled", "rill.body-field", "rill.health.enabled",
                "rill.health.recovering-threshold")), keys.toString());
    }

    @Test
    void theConfigurationReferenceListsEveryKey() throws Exception {
        Path docs = Path.of(System.getProperty("rill.docs", "../docs/configuration.md"));
        assertTrue(Files.exists(docs), docs.toAbsolutePath().toString());
        String text = Files.readString(docs);
        List<String> keys = keys();
        assertFalse(keys.isEmpty());
        for (String key : keys) {
            // consumer options are listed by option name (each is also rill.consumers.<group>.<option>)
            String written = key.startsWith("rill.consumers.*.") ? key.substring("rill.consumers.*.".length()) : key;
            assertTrue(text.contains("| `" + written + "` |"), "docs/configuration.md does not list `" + written + "`");
        }
    }
}
