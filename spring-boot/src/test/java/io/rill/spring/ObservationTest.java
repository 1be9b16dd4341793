package io.rill.spring;

import static io.rill.spring.Contexts.assertMentions;
import static io.rill.spring.Contexts.failure;
import static io.rill.spring.Contexts.runner;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.rill.StreamEntry;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * rill.observation.enabled runs every listener call in a Micrometer Observation of the application's
 * registry (design: observability), with the messaging keys and the error of a call that threw; off by
 * default; on without a registry, startup fails naming the property.
 */
class ObservationTest {

    static final RedisServer server = RedisServer.start();
    static final RedisFixture redis = new RedisFixture(server);

    /** Keeps every stopped Observation's context. */
    static final class Recorder implements ObservationHandler<Observation.Context> {
        final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }

        @Override
        public void onStop(Observation.Context context) {
            stopped.add(context);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Observations {
        @Bean
        Recorder recorder() {
            return new Recorder();
        }

        @Bean
        ObservationRegistry observationRegistry(Recorder recorder) {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(recorder);
            return registry;
        }
    }

    static class Listeners {
        @RedisStreamListener(streams = "ob:orders", group = "billing")
        void onOrder(StreamEntry order) {
            if (order.field("n").equals("bad")) {
                throw new IllegalArgumentException("bad order");
            }
        }
    }

    static final List<String> quietHandled = new CopyOnWriteArrayList<>();

    static class QuietListeners {
        @RedisStreamListener(streams = "ob:quiet", group = "billing")
        void onOrder(StreamEntry order) {
            quietHandled.add(order.id());
        }
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
        server.close();
    }

    private static String key(Observation.Context context, String name) {
        KeyValue low = context.getLowCardinalityKeyValue(name);
        KeyValue high = context.getHighCardinalityKeyValue(name);
        return low != null ? low.getValue() : high != null ? high.getValue() : null;
    }

    @Test
    void everyCallRunsInAnObservationWithTheMessagingKeysAndItsError() {
        runner(server.uri()).withUserConfiguration(Observations.class, Listeners.class)
                .withPropertyValues("rill.observation.enabled=true", "rill.consumers.default.start-position=earliest",
                        "rill.consumers.default.block-timeout=200ms", "rill.consumers.billing.retry.max-attempts=1")
                .run(context -> {
                    Recorder recorder = context.getBean(Recorder.class);
                    String good = redis.commands().xadd("ob:orders", Map.of("n", "1"));
                    String bad = redis.commands().xadd("ob:orders", Map.of("n", "bad"));
                    await().atMost(Duration.ofSeconds(20)).until(() -> recorder.stopped.stream()
                            .map(c -> key(c, "messaging.message.id")).toList().containsAll(List.of(good, bad)));
                    Observation.Context ok = recorder.stopped.stream().filter(c -> good.equals(key(c, "messaging.message.id")))
                            .findFirst().orElseThrow();
                    assertEquals(io.rill.spring.internal.ListenerMethod.OBSERVATION, ok.getName());
                    assertEquals("process ob:orders", ok.getContextualName());
                    assertEquals("redis", key(ok, "messaging.system"));
                    assertEquals("ob:orders", key(ok, "messaging.destination.name"));
                    assertEquals("billing", key(ok, "messaging.consumer.group.name"));
                    assertTrue(key(ok, "rill.listener").endsWith("Listeners#onOrder"), key(ok, "rill.listener"));
                    assertEquals(null, ok.getError());
                    Observation.Context failed = recorder.stopped.stream().filter(c -> bad.equals(key(c, "messaging.message.id")))
                            .findFirst().orElseThrow();
                    assertTrue(failed.getError() instanceof IllegalArgumentException, String.valueOf(failed.getError()));
                });
    }

    @Test
    void offByDefault() {
        runner(server.uri()).withUserConfiguration(Observations.class, QuietListeners.class)
                .withPropertyValues("rill.consumers.default.start-position=earliest", "rill.consumers.default.block-timeout=200ms")
                .run(context -> {
                    String id = redis.commands().xadd("ob:quiet", Map.of("n", "2"));
                    await().atMost(Duration.ofSeconds(20)).until(() -> quietHandled.contains(id));
                    assertTrue(context.getBean(Recorder.class).stopped.isEmpty(), "no Observation when not enabled");
                });
    }

    @Test
    void enabledWithoutARegistryFailsStartupNamingTheProperty() {
        String message = failure(runner(server.uri()).withUserConfiguration(Listeners.class)
                .withPropertyValues("rill.observation.enabled=true"));
        assertMentions(message, "rill.observation.enabled", "ObservationRegistry");
    }
}
