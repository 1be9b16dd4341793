package io.rill.examples.orders;

import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.Environment;
import io.micronaut.runtime.Micronaut;
import io.rill.testing.RedisServer;

/**
 * Starts the order service. Everything is Micronaut configuration: application.yml, environment variables
 * ({@code REDIS_URI} is {@code redis.uri}, {@code DEMO_ENABLED=true} is demo mode) and {@code --name=value}
 * arguments. In demo mode without a configured Redis it first starts a throwaway one (Docker, else a
 * local redis-server), which goes away with the JVM (a bean of type RedisServer in the context).
 */
public final class OrderService {

    private static final Logger log = LoggerFactory.getLogger(OrderService.class);

    private OrderService() {
    }

    public static void main(String[] args) {
        start(args);
    }

    /** Starts the service (HTTP server included) and returns its running context. */
    public static ApplicationContext start(String... args) {
        Micronaut micronaut = Micronaut.build(args).mainClass(OrderService.class).banner(false);
        RedisServer throwaway = null;
        if (needsThrowawayRedis(args)) {
            log.info("Demo mode and no redis.uri (REDIS_URI) configured: starting a throwaway Redis (Docker, else a local redis-server)");
            throwaway = RedisServer.start();
            log.info("Throwaway Redis at {}; more instances can share it: REDIS_URI={} RILL_CONSUMER=<name> "
                    + "MICRONAUT_SERVER_PORT=<port>", throwaway.uri(), throwaway.uri());
            micronaut.properties(Map.of("redis.uri", throwaway.uri()));
            micronaut.singletons(throwaway); // rill-testing stops it when the JVM exits
        }
        ApplicationContext context;
        try {
            context = micronaut.start();
        } catch (RuntimeException e) {
            if (throwaway != null) {
                throwaway.close();
            }
            throw e;
        }
        return context;
    }

    /** Demo mode on and no Redis configured, read from the same configuration the service will see. */
    private static boolean needsThrowawayRedis(String[] args) {
        try (ApplicationContext probe = ApplicationContext.builder().args(args).mainClass(OrderService.class).build()) {
            Environment environment = probe.getEnvironment().start();
            boolean demo = environment.getProperty("demo.enabled", Boolean.class).orElse(false);
            return demo && environment.getProperty("redis.uri", String.class).filter(uri -> !uri.isBlank()).isEmpty();
        }
    }
}
