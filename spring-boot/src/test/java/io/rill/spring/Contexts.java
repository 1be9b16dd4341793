package io.rill.spring;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rill.spring.autoconfigure.RillActuatorAutoConfiguration;
import io.rill.spring.autoconfigure.RillAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Contexts started with the starter's auto-configuration, and checks of what a failed startup says. */
final class Contexts {

    private Contexts() {
    }

    /** A context runner with Boot's Redis and Jackson auto-configuration and the starter's, against {@code redisUri}. */
    static ApplicationContextRunner runner(String redisUri) {
        return runner().withPropertyValues("spring.data.redis.url=" + redisUri);
    }

    /** As {@link #runner(String)}, the connection left to the test's properties. */
    static ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, JacksonAutoConfiguration.class,
                        RillAutoConfiguration.class, RillActuatorAutoConfiguration.class));
    }

    /** The startup failure's messages, causes included, when the context of {@code runner} fails to start. */
    static String failure(ApplicationContextRunner runner) {
        StringBuilder messages = new StringBuilder();
        runner.run(context -> {
            Throwable failure = context.getStartupFailure();
            assertNotNull(failure, "the context started");
            for (Throwable t = failure; t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append(" | ");
            }
        });
        return messages.toString();
    }

    static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "missing '" + part + "' in: " + message);
        }
    }
}
