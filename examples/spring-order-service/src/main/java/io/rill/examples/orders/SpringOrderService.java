package io.rill.examples.orders;

import java.util.HashMap;
import java.util.Map;

import io.rill.testing.RedisServer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Starts the Spring Boot order service. Everything is Boot configuration: application.yml, environment
 * variables and {@code --name=value} arguments; {@code REDIS_URI} is a shorthand for {@code spring.data.redis.url}.
 * In demo mode ({@code --demo.enabled=true}) without a configured Redis it first starts a throwaway one
 * (Docker, else a local redis-server), which goes away with the JVM.
 */
@SpringBootApplication
@EnableScheduling
public class SpringOrderService {

    private static final Logger log = LoggerFactory.getLogger(SpringOrderService.class);

    public static void main(String[] args) {
        start(args);
    }

    /** Starts the service (HTTP server included) and returns its running context. */
    public static ConfigurableApplicationContext start(String... args) {
        SpringApplication application = new SpringApplication(SpringOrderService.class);
        application.addListeners((ApplicationListener<ApplicationEnvironmentPreparedEvent>) event -> redis(event.getEnvironment()));
        return application.run(args);
    }

    private static void redis(ConfigurableEnvironment environment) {
        Map<String, Object> redis = new HashMap<>();
        String uri = environment.getProperty("REDIS_URI");
        if (uri != null && !uri.isBlank() && !environment.containsProperty("spring.data.redis.url")) {
            redis.put("spring.data.redis.url", uri);
        }
        boolean configured = !redis.isEmpty() || environment.containsProperty("spring.data.redis.url")
                || environment.containsProperty("spring.data.redis.host");
        if (!configured && environment.getProperty("demo.enabled", Boolean.class, false)) {
            log.info("Demo mode and no Redis configured (REDIS_URI or spring.data.redis.url): starting a throwaway Redis "
                    + "(Docker, else a local redis-server)");
            RedisServer throwaway = RedisServer.start(); // rill-testing stops it when the JVM exits
            log.info("Throwaway Redis at {}; more instances can share it: REDIS_URI={} RILL_CONSUMER=<name> "
                    + "SERVER_PORT=<port>", throwaway.uri(), throwaway.uri());
            redis.put("spring.data.redis.url", throwaway.uri());
        }
        if (!redis.isEmpty()) {
            environment.getPropertySources().addFirst(new MapPropertySource("redis", redis));
        }
    }
}
