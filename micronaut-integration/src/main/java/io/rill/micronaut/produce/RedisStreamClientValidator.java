package io.rill.micronaut.produce;

import io.micronaut.context.BeanContext;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.env.Environment;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.inject.BeanDefinition;
import io.micronaut.inject.ExecutableMethod;
import io.micronaut.inject.qualifiers.Qualifiers;
import io.rill.micronaut.annotation.RedisStreamClient;
import io.rill.micronaut.annotation.Stream;
import jakarta.annotation.PostConstruct;

/**
 * Checks every {@link RedisStreamClient} interface at startup, so that a method that can't work fails the
 * application's start (bean, method and reason in the message) rather than its first call: each
 * {@link Stream} method's stream, body, fields, return type and connection ({@link ClientMethod}), and
 * that no abstract method lacks {@code @Stream}.
 *
 * <p>A {@code @Context} bean that reads the bean definitions: Micronaut does not hand the methods of
 * introduction interfaces to an {@code ExecutableMethodProcessor}, and a client that is never injected is
 * never instantiated. Only definitions whose {@code @Requires} hold are seen. Clients are checked with
 * {@code rill.enabled=false} too: they work either way.
 */
@Context
public class RedisStreamClientValidator {

    private final BeanContext beans;
    private final StreamPublishers publishers;
    private final Environment environment;

    public RedisStreamClientValidator(BeanContext beans, StreamPublishers publishers, Environment environment) {
        this.beans = beans;
        this.publishers = publishers;
        this.environment = environment;
    }

    @PostConstruct
    void validate() {
        for (BeanDefinition<?> definition : beans.getBeanDefinitions(Qualifiers.byStereotype(RedisStreamClient.class))) {
            Class<?> client = clientType(definition);
            for (ExecutableMethod<?, ?> method : definition.getExecutableMethods()) {
                if (method.hasAnnotation(Stream.class)) {
                    ClientMethod.of(client, method, publishers, environment);
                } else if (method.isAbstract()) {
                    throw new ConfigurationException(ClientMethod.where(client, method.getMethodName()) + ": has no @Stream, "
                            + "so nothing implements it: annotate it @Stream(\"stream\") or give it a default body");
                }
            }
        }
    }

    /** The interface the application wrote, not the class Micronaut generated for it. */
    private static Class<?> clientType(BeanDefinition<?> definition) {
        Class<?> type = definition.getBeanType();
        if (type.isInterface()) {
            return type;
        }
        for (Class<?> implemented : type.getInterfaces()) {
            if (implemented.isAnnotationPresent(RedisStreamClient.class)) {
                return implemented;
            }
        }
        return type;
    }
}
