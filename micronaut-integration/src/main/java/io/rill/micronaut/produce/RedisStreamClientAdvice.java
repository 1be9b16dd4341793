package io.rill.micronaut.produce;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micronaut.aop.InterceptorBean;
import io.micronaut.aop.MethodInterceptor;
import io.micronaut.aop.MethodInvocationContext;
import io.micronaut.context.env.Environment;
import io.micronaut.inject.ExecutableMethod;
import io.rill.micronaut.StreamPublisher;
import io.rill.micronaut.annotation.RedisStreamClient;
import io.rill.micronaut.annotation.Stream;

/**
 * Implements {@link RedisStreamClient} interfaces: each {@link Stream} method appends its body argument
 * (and its {@code @MessageHeader} arguments as further fields) to the stream with the
 * {@link StreamPublisher} of the client's connection, as its {@link ClientMethod} says. Every method was
 * checked at startup by {@link RedisStreamClientValidator}; its plan is made again on its first call and kept.
 */
@InterceptorBean(RedisStreamClient.class)
public class RedisStreamClientAdvice implements MethodInterceptor<Object, Object> {

    private final StreamPublishers publishers;
    private final Environment environment;
    private final Map<ExecutableMethod<?, ?>, ClientMethod> plans = new ConcurrentHashMap<>();

    public RedisStreamClientAdvice(StreamPublishers publishers, Environment environment) {
        this.publishers = publishers;
        this.environment = environment;
    }

    @Override
    public Object intercept(MethodInvocationContext<Object, Object> context) {
        if (!context.hasAnnotation(Stream.class)) {
            return context.proceed(); // a default method, say
        }
        ClientMethod plan = plans.computeIfAbsent(context.getExecutableMethod(),
                m -> ClientMethod.of(context.getDeclaringType(), m, publishers, environment));
        return plan.write(context.getParameterValues());
    }
}
