package io.rill.spring.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Lazy;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.rill.ProducerOptions;
import io.rill.Rill;
import io.rill.publish.Producer;
import io.rill.spring.RillSubscriptions;
import io.rill.spring.internal.ProducerSettings;
import io.rill.tracing.Tracing;

/**
 * The core's idempotent {@link Producer} as a bean on Boot's Redis connection, configured under
 * {@code rill.producer.*} (docs/producing.md). Lazy, so that an application that never publishes this way does
 * not need Boot's Lettuce connection for it; with an outbox ({@code rill.producer.outbox.directory}) it is made
 * at startup, so that the outbox is claimed then and sends what a crashed process left in it. Closed with the
 * context.
 */
@AutoConfiguration(after = RillAutoConfiguration.class)
@ConditionalOnClass({Rill.class, LettuceConnectionFactory.class})
@ConditionalOnBooleanProperty(name = "rill.enabled", matchIfMissing = true)
public class RillProducerAutoConfiguration {

    /** Read and validated at startup, whether the producer is ever used or not: a bad property fails early. */
    @Bean
    @ConditionalOnMissingBean
    ProducerOptions rillProducerOptions(Environment environment) {
        return ProducerSettings.options(Binder.get(environment));
    }

    @Bean(destroyMethod = "close")
    @Lazy
    @ConditionalOnMissingBean
    Producer rillProducer(RillSubscriptions subscriptions, ProducerOptions options, ObjectProvider<Tracing> tracing) {
        return Producer.builder(subscriptions.client()).options(options).tracing(tracing.getIfUnique(Tracing::off)).build();
    }

    @Bean
    static SmartInitializingSingleton rillProducerOutbox(ObjectProvider<Producer> producer, Environment environment) {
        return () -> {
            if (environment.containsProperty(ProducerSettings.PREFIX + "outbox.directory")) {
                producer.getIfAvailable(); // opens the outbox now rather than at the first publish
            }
        };
    }
}
