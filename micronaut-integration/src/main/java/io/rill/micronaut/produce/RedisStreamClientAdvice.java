package io.rill.micronaut.produce;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micronaut.aop.InterceptorBean;
import io.micronaut.aop.MethodInterceptor;
import io.micronaut.aop.MethodInvocationContext;
import io.micronaut.context.env.Environment;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.AnnotationMetadata;
import io.micronaut.core.type.Argument;
import io.micronaut.inject.ExecutableMethod;
import io.micronaut.messaging.annotation.MessageBody;
import io.micronaut.messaging.annotation.MessageHeader;
import io.rill.micronaut.StreamPublisher;
import io.rill.micronaut.annotation.RedisStreamClient;
import io.rill.micronaut.annotation.Stream;
import io.rill.micronaut.config.AnnotationAttributes;

/**
 * Implements {@link RedisStreamClient} interfaces: each {@link Stream} method appends its body argument
 * (and its {@code @MessageHeader} arguments as further fields) to the stream with the
 * {@link StreamPublisher} of the client's connection. How a method maps is worked out on its first call
 * and kept.
 */
@InterceptorBean(RedisStreamClient.class)
public class RedisStreamClientAdvice implements MethodInterceptor<Object, Object> {

    /** How one client method writes. */
    private record Plan(StreamPublisher publisher, String stream, long maxLen, int body, String[] fieldNames,
            boolean returnsId) {
    }

    private final StreamPublishers publishers;
    private final Environment environment;
    private final Map<ExecutableMethod<?, ?>, Plan> plans = new ConcurrentHashMap<>();

    public RedisStreamClientAdvice(StreamPublishers publishers, Environment environment) {
        this.publishers = publishers;
        this.environment = environment;
    }

    @Override
    public Object intercept(MethodInvocationContext<Object, Object> context) {
        if (!context.hasAnnotation(Stream.class)) {
            return context.proceed(); // a default method, say
        }
        Plan plan = plans.computeIfAbsent(context.getExecutableMethod(), m -> plan(context));
        Object[] args = context.getParameterValues();
        Map<String, String> extra = Map.of();
        if (plan.fieldNames().length > 0) {
            extra = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (plan.fieldNames()[i] != null && args[i] != null) {
                    extra.put(plan.fieldNames()[i], String.valueOf(args[i]));
                }
            }
        }
        String id = plan.publisher().publish(plan.stream(), args[plan.body()], extra, plan.maxLen());
        return plan.returnsId() ? id : null;
    }

    private Plan plan(MethodInvocationContext<Object, Object> context) {
        String where = "@RedisStreamClient " + context.getDeclaringType().getName() + "#" + context.getMethodName();
        AnnotationAttributes client = AnnotationAttributes.of(context.getAnnotationMetadata(), RedisStreamClient.class,
                environment, where);
        AnnotationAttributes annotation = AnnotationAttributes.of(context.getAnnotationMetadata(), Stream.class, environment, where);
        String connection = client.string("connection");
        String[] streams = annotation.strings("value");
        if (streams.length != 1) {
            throw new ConfigurationException(where + ": @Stream names " + streams.length + " streams; a client method writes to exactly one");
        }
        String stream = streams[0];
        String maxLenText = annotation.string("maxLen");
        long maxLen;
        try {
            maxLen = maxLenText.isEmpty() ? StreamPublisher.NO_MAX_LEN : Long.parseLong(maxLenText.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(where + ": @Stream(maxLen) must be a whole number, was '" + maxLenText + "'");
        }
        Argument<?>[] arguments = context.getArguments();
        String[] fieldNames = new String[arguments.length];
        int body = -1;
        boolean anyField = false;
        for (int i = 0; i < arguments.length; i++) {
            AnnotationMetadata parameter = arguments[i].getAnnotationMetadata();
            if (parameter.hasAnnotation(MessageHeader.class)) {
                fieldNames[i] = parameter.stringValue(MessageHeader.class).filter(s -> !s.isEmpty())
                        .or(() -> parameter.stringValue(MessageHeader.class, "name").filter(s -> !s.isEmpty()))
                        .orElse(arguments[i].getName());
                anyField = true;
            } else if (body < 0 || parameter.hasAnnotation(MessageBody.class)) {
                body = i;
            } else {
                throw new ConfigurationException(where + ": parameters '" + arguments[body].getName() + "' and '"
                        + arguments[i].getName() + "' could both be the body: mark the body @MessageBody and fields @MessageHeader");
            }
        }
        if (body < 0) {
            throw new ConfigurationException(where + ": the method needs a body parameter");
        }
        Class<?> returned = context.getReturnType().getType();
        boolean returnsId = returned == String.class;
        if (!returnsId && returned != void.class && returned != Void.class) {
            throw new ConfigurationException(where + ": returns " + returned.getName() + "; a client method returns void or "
                    + "String (the new entry's ID)");
        }
        StreamPublisher publisher;
        try {
            publisher = publishers.of(connection);
        } catch (ConfigurationException e) {
            throw new ConfigurationException(where + ": " + e.getMessage(), e);
        }
        return new Plan(publisher, stream, maxLen, body, anyField ? fieldNames : new String[0], returnsId);
    }
}
