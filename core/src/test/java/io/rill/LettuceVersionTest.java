package io.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisClient;

/**
 * The Lettuce matrix (core/pom.xml) really runs on the Lettuce it names: each run sets
 * {@code rill.lettuce.version}, and the jar {@link RedisClient} comes from must be that version's, not the
 * build's default. Without the property (an IDE run) only the jar is checked to be Lettuce's.
 */
class LettuceVersionTest {

    @Test
    void theLettuceOnTheClasspathIsTheOneThisRunIsFor() throws Exception {
        Path jar = Path.of(RedisClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String name = jar.getFileName().toString();
        assertTrue(name.startsWith("lettuce-core-"), "RedisClient loaded from " + jar);
        String expected = System.getProperty("rill.lettuce.version");
        if (expected != null) {
            assertEquals("lettuce-core-" + expected + ".jar", name, "RedisClient loaded from " + jar);
        }
        System.out.println("Lettuce on the classpath: " + name); // in the run's report, for the record
    }
}
