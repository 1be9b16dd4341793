package io.rill.micronaut;

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

/**
 * The configuration metadata IDEs complete keys from is generated into the jar, it covers every core
 * option, and docs/configuration.md lists every key in it.
 */
class ConfigurationMetadataTest {

    /** Core options that exist today; a new core option belongs here and in ConsumerConfiguration. */
    static final List<String> CORE_OPTIONS = List.of("consumer", "batch-size", "block-timeout", "concurrency", "ordering-key",
            "max-in-flight", "start-position", "auto-create", "ack-flush-size", "ack-flush-interval", "shutdown-timeout",
            "backoff.initial", "backoff.max", "backoff.multiplier", "backoff.jitter",
            "retry.max-attempts", "retry.retryable", "retry.non-retryable", "retry.backoff.initial", "retry.backoff.max",
            "retry.backoff.multiplier", "retry.backoff.jitter",
            "reclaim.enabled", "reclaim.interval", "reclaim.min-idle", "reclaim.count", "reclaim.lease-renewal-interval",
            "dead-letter.enabled", "dead-letter.max-failures", "dead-letter.max-deliveries", "dead-letter.stream",
            "dead-letter.max-length", "dead-letter.failure-ttl",
            "janitor.enabled", "janitor.interval", "janitor.inactive-threshold",
            "checkpoint.journal", "checkpoint.directory", "checkpoint.fsync", "checkpoint.fsync-interval");

    private static List<String> keys() throws Exception {
        String json;
        try (InputStream in = RillSubscriptions.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertNotNull(in, "META-INF/spring-configuration-metadata.json is not generated");
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
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
        for (String option : CORE_OPTIONS) {
            assertTrue(keys.contains("rill.consumers.*." + option), "no metadata for rill.consumers.*." + option + " in " + keys);
        }
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
