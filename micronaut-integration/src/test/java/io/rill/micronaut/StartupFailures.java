package io.rill.micronaut;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import io.micronaut.context.ApplicationContext;

/** Contexts that must fail to start, and checks of what their failure says (startup failure tests share these). */
final class StartupFailures {

    private StartupFailures() {
    }

    /**
     * Starts a context with the beans of {@code spec} against {@code redisUri} and returns the startup
     * failure's message, causes included.
     */
    static String failure(String spec, String redisUri, Map<String, Object> extra) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("spec.name", spec);
        properties.put("redis.uri", redisUri);
        properties.putAll(extra);
        RuntimeException e = assertThrows(RuntimeException.class, () -> ApplicationContext.run(properties).close());
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append(" | ");
        }
        return messages.toString();
    }

    static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "missing '" + part + "' in: " + message);
        }
    }
}
