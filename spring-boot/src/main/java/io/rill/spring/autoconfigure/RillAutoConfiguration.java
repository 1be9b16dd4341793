package io.rill.spring.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.rill.Rill;
import io.rill.spring.RillProperties;
import io.rill.spring.RillSubscriptions;
import io.rill.spring.internal.BodyCodec;
import io.rill.spring.internal.ListenerProcessor;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import tools.jackson.databind.json.JsonMapper;

/**
 * Rill over Boot's Redis connection: the {@link LettuceConnectionFactory} that {@code spring.data.redis.*}
 * configures (its Lettuce client; no connection configuration of Rill's own), the application's
 * {@link JsonMapper} for bodies, its {@link MeterRegistry} for Rill's meters, and the
 * {@link io.rill.spring.RedisStreamListener} methods of every bean. Off with {@code rill.enabled=false}. Without
 * a LettuceConnectionFactory (Jedis, or no Redis auto-configuration) listeners fail startup saying so, rather
 * than being left unsubscribed without a word.
 */
@AutoConfiguration(after = {DataRedisAutoConfiguration.class, JacksonAutoConfiguration.class},
        afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass({Rill.class, LettuceConnectionFactory.class})
@ConditionalOnBooleanProperty(name = "rill.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RillProperties.class)
public class RillAutoConfiguration {

    @Bean
    static ListenerProcessor rillListenerProcessor(ConfigurableEnvironment environment,
            ObjectProvider<RillSubscriptions> registry, ObjectProvider<BodyCodec> codec) {
        return new ListenerProcessor(environment, registry, codec);
    }

    @Bean
    @ConditionalOnMissingBean
    BodyCodec rillBodyCodec(ObjectProvider<JsonMapper> mapper, RillProperties properties) {
        return new BodyCodec(mapper.getIfAvailable(JsonMapper::new), properties.getBodyField());
    }

    @Bean
    @ConditionalOnMissingBean
    RillSubscriptions rillSubscriptions(ObjectProvider<RedisConnectionFactory> connectionFactory,
            ObjectProvider<MeterRegistry> meterRegistry,
            BodyCodec codec, RillProperties properties, Environment environment) {
        return new RillSubscriptions(connectionFactory, meterRegistry, codec, properties, environment);
    }
}
