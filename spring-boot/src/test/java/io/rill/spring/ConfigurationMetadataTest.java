package io.rill.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.rill.Option;
import io.rill.OptionTable;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;

/**
 * The jar's configuration metadata, which IDEs complete from: {@code rill.*} from the annotation processor and
 * one {@code rill.consumers.default.<key>} per option of the core's table, with its type, default and meaning.
 */
class ConfigurationMetadataTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> properties() throws IOException {
        try (InputStream in = ConfigurationMetadataTest.class.getClassLoader()
                .getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            assertNotNull(in, "no META-INF/spring-configuration-metadata.json on the classpath");
            Map<String, Object> metadata = JsonMapper.builder().build().readValue(in, Map.class);
            return ((List<Map<String, Object>>) metadata.get("properties")).stream()
                    .collect(Collectors.toMap(p -> (String) p.get("name"), p -> p));
        }
    }

    @Test
    void everyOptionOfTheCoreTableIsDescribed() throws IOException {
        Map<String, Map<String, Object>> properties = properties();
        for (Option<?> option : OptionTable.all()) {
            Map<String, Object> property = properties.get("rill.consumers.default." + option.key());
            assertNotNull(property, "rill.consumers.default." + option.key() + " is missing");
            assertTrue(String.valueOf(property.get("description")).startsWith(option.description()), property.toString());
        }
        assertEquals("java.lang.Integer", properties.get("rill.consumers.default.batch-size").get("type"));
        assertEquals(OptionTable.find("batch-size").orElseThrow().defaultValue(),
                properties.get("rill.consumers.default.batch-size").get("defaultValue"));
    }

    @Test
    void theStartersOwnPropertiesAreDescribed() throws IOException {
        Map<String, Map<String, Object>> properties = properties();
        for (String name : List.of("rill.enabled", "rill.body-field", "rill.fail-fast", "rill.health.recovering-threshold")) {
            assertNotNull(properties.get(name), name + " is missing from " + properties.keySet());
            assertNotNull(properties.get(name).get("description"), name + " has no description");
        }
    }
}
