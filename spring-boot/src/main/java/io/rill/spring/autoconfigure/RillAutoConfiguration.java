package io.rill.spring.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.rill.Rill;
import io.rill.spring.RillProperties;
import io.rill.spring.RillSubscriptions;
import io.rill.spring.internal.BodyCodec;
import io.rill.spring.internal.ListenerProcessor;
import io.rill.tracing.OpenTelemetryTracing;
import io.rill.tracing.Tracing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
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
        afterName = {"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
                "org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration"})
@ConditionalOnClass({Rill.class, LettuceConnectionFactory.class})
@ConditionalOnBooleanProperty(name = "rill.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RillProperties.class)
public class RillAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RillAutoConfiguration.class);

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
            ObjectProvider<MeterRegistry> meterRegistry, ObjectProvider<Tracing> tracing,
            ObjectProvider<ObservationRegistry> observations, BodyCodec codec, RillProperties properties,
            Environment environment) {
        RillSubscriptions subscriptions = new RillSubscriptions(connectionFactory, meterRegistry,
                tracing.getIfUnique(Tracing::off), codec, properties, environment);
        if (properties.getObservation().isEnabled()) {
            ObservationRegistry registry = observations.getIfUnique();
            if (registry == null) {
                throw new IllegalStateException("rill.observation.enabled is true but the application has no (single) "
                        + "ObservationRegistry bean: add spring-boot-starter-actuator (or define one), or set "
                        + "rill.observation.enabled=false");
            }
            subscriptions.observeWith(registry);
        }
        return subscriptions;
    }

    /**
     * Trace context through Redis over the application's OpenTelemetry bean (Boot's, or one of its own), unless
     * {@code rill.tracing.enabled=false}. Apart so that the starter loads without OpenTelemetry on the class path.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(OpenTelemetry.class)
    @ConditionalOnBooleanProperty(name = "rill.tracing.enabled", matchIfMissing = true)
    static class OpenTelemetryTracingConfiguration {

        @Bean
        @ConditionalOnMissingBean
        Tracing rillTracing(ObjectProvider<OpenTelemetry> openTelemetry, RillProperties properties) {
            OpenTelemetry otel = openTelemetry.getIfUnique();
            if (otel == null) {
                return Tracing.off();
            }
            RillProperties.Tracing tracing = properties.getTracing();
            OpenTelemetryTracing on = OpenTelemetryTracing.builder(otel).traceparentField(tracing.getTraceparentField())
                    .tracestateField(tracing.getTracestateField()).build();
            log.info("Trace context through Redis on (OpenTelemetry; fields '{}', '{}')", on.traceparentField(),
                    on.tracestateField());
            return on;
        }
    }
}
