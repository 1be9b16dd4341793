package io.rill.console;

import io.lettuce.core.RedisClient;
import io.micronaut.context.BeanContext;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.util.StringUtils;
import io.micronaut.inject.qualifiers.Qualifiers;
import jakarta.inject.Singleton;

/** The console's beans, only when it is enabled. */
@Factory
@Requires(property = ConsoleConfiguration.PREFIX + ".enabled", value = StringUtils.TRUE)
class ConsoleFactory {

    @Singleton
    @Bean(preDestroy = "close")
    ConsoleRedis consoleRedis(ConsoleConfiguration configuration, BeanContext beans) {
        String name = configuration.getConnection();
        RedisClient client = name == null || name.isBlank() ? beans.getBean(RedisClient.class)
                : beans.getBean(RedisClient.class, Qualifiers.byName(name));
        return new ConsoleRedis(client);
    }

    @Singleton
    LagHistory lagHistory(ConsoleConfiguration configuration) {
        return new LagHistory(configuration.getLagWindow());
    }
}
