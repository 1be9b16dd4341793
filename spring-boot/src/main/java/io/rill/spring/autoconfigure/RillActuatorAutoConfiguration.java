package io.rill.spring.autoconfigure;

import io.rill.spring.RillProperties;
import io.rill.spring.RillSubscriptions;
import io.rill.spring.actuate.RillEndpoint;
import io.rill.spring.actuate.RillHealthIndicator;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The {@code rill} health contributor and actuator endpoint, when the application has the actuator. */
@AutoConfiguration(after = RillAutoConfiguration.class)
@ConditionalOnBean(RillSubscriptions.class)
public class RillActuatorAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("rill")
    static class Health {
        /** Reported as {@code rill}: Boot names a contributor after its bean, less "HealthIndicator". */
        @Bean
        @ConditionalOnMissingBean(name = "rillHealthIndicator")
        RillHealthIndicator rillHealthIndicator(RillSubscriptions subscriptions, RillProperties properties) {
            return new RillHealthIndicator(subscriptions, properties.getHealth().getRecoveringThreshold());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Endpoint.class)
    static class Endpoints {
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint
        RillEndpoint rillEndpoint(RillSubscriptions subscriptions) {
            return new RillEndpoint(subscriptions);
        }
    }
}
