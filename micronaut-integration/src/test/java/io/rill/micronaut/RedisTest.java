package io.rill.micronaut;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

import io.micronaut.context.ApplicationContext;
import io.micronaut.test.support.TestPropertyProvider;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import jakarta.inject.Inject;

/**
 * Base of the @MicronautTest classes: a real Redis from rill-testing for the class, passed to the context as
 * {@code redis.uri}, with the beans of {@link #spec()} only. The context is stopped before the server, so
 * that subscriptions stop against a live Redis.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RedisTest implements TestPropertyProvider {

    final RedisServer server = RedisServer.start();
    final RedisFixture redis = new RedisFixture(server);
    /** Closed after the context has stopped, in reverse order. */
    final List<AutoCloseable> closeAfterContext = new ArrayList<>();

    @Inject
    ApplicationContext context;

    /** The spec.name that the test's beans require. */
    abstract String spec();

    /** Further properties of the test. */
    Map<String, String> properties() {
        return Map.of();
    }

    @Override
    public final Map<String, String> getProperties() {
        Map<String, String> all = new HashMap<>();
        all.put("spec.name", spec());
        all.put("redis.uri", server.uri());
        all.put("rill.consumers.default.start-position", "earliest");
        all.put("rill.consumers.default.block-timeout", "200ms");
        all.putAll(properties());
        return all;
    }

    @AfterAll
    void stopContextThenRedis() {
        if (context != null && context.isRunning()) {
            context.stop();
        }
        redis.close();
        server.close();
        for (int i = closeAfterContext.size() - 1; i >= 0; i--) {
            try {
                closeAfterContext.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Registers something to close once the context has stopped, and returns it. */
    <T extends AutoCloseable> T closeLater(T closeable) {
        closeAfterContext.add(closeable);
        return closeable;
    }
}
