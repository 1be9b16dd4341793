package io.rill.spring.internal;

import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.rill.InvalidOptionException;
import io.rill.RetryOptions;
import io.rill.StartPosition;
import io.rill.SubscriptionOptions;
import io.rill.spring.AckMode;
import io.rill.spring.EntryBindingException;
import io.rill.spring.ErrorPolicy;
import io.rill.spring.RedisStreamListener;
import io.rill.spring.RillSubscriptions;
import io.rill.spring.SendTo;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Finds the {@link RedisStreamListener} methods of every bean as it is initialized and translates each into a
 * {@link ListenerMethod}: streams, group, consumer and options from the annotations ({@code @RedisStreamListener},
 * {@code @ErrorPolicy}) over {@code rill.consumers.<group>} over {@code rill.consumers.default}, merged by
 * {@link OptionSettings} and validated by the core; the parameter binding; the return type. Anything wrong
 * fails startup with a message naming the method and the attribute or property to fix. The
 * {@link RillSubscriptions} registry starts them once the context is refreshed.
 */
public final class ListenerProcessor implements BeanPostProcessor {

    private final ConfigurableEnvironment environment;
    private final ObjectProvider<RillSubscriptions> registry;
    private final ObjectProvider<BodyCodec> codec;
    private boolean unknownKeysChecked;

    public ListenerProcessor(ConfigurableEnvironment environment, ObjectProvider<RillSubscriptions> registry,
            ObjectProvider<BodyCodec> codec) {
        this.environment = environment;
        this.registry = registry;
        this.codec = codec;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        Class<?> type = AopUtils.getTargetClass(bean);
        if (!type.getName().startsWith("org.springframework.")) {
            Map<Method, RedisStreamListener> methods = MethodIntrospector.selectMethods(type,
                    (MethodIntrospector.MetadataLookup<RedisStreamListener>) m ->
                            AnnotatedElementUtils.findMergedAnnotation(m, RedisStreamListener.class));
            for (Map.Entry<Method, RedisStreamListener> found : methods.entrySet()) {
                Method method = AopUtils.selectInvocableMethod(found.getKey(), bean.getClass());
                String where = "@RedisStreamListener " + type.getName() + "#" + found.getKey().getName();
                try {
                    registry.getObject().register(translate(bean, type, method, found.getValue(), where));
                } catch (IllegalArgumentException | IllegalStateException e) {
                    throw new BeanInitializationException(e.getMessage().startsWith(where) ? e.getMessage()
                            : where + ": " + e.getMessage(), e);
                }
            }
        }
        return bean;
    }

    private ListenerMethod translate(Object bean, Class<?> type, Method method, RedisStreamListener listener, String where) {
        if (!unknownKeysChecked) {
            OptionSettings.requireKnownKeys(environment);
            unknownKeysChecked = true;
        }
        String name = type.getName() + "#" + method.getName();
        List<String> streams = Arrays.stream(listener.streams()).map(this::resolve).filter(s -> !s.isBlank()).toList();
        if (streams.isEmpty()) {
            throw new IllegalArgumentException("no stream: name one or more, @RedisStreamListener(\"orders\")");
        }
        String group = resolve(listener.group());
        if (group.isEmpty()) {
            group = environment.getProperty("spring.application.name", "");
        }
        if (group.isEmpty()) {
            throw new IllegalArgumentException("no consumer group: set @RedisStreamListener(group) or spring.application.name");
        }
        String autoStartupText = resolve(listener.autoStartup()).strip();
        if (!autoStartupText.isEmpty() && !autoStartupText.equals("true") && !autoStartupText.equals("false")) {
            throw new IllegalArgumentException("@RedisStreamListener(autoStartup) must be true or false, was '"
                    + autoStartupText + "'");
        }
        boolean autoStartup = !autoStartupText.equals("false");

        // the options, lowest precedence first: rill.consumers.default, rill.consumers.<group>, the annotations
        Binder binder = Binder.get(environment);
        OptionSettings settings = new OptionSettings().configuration(binder, OptionSettings.DEFAULT);
        if (!OptionSettings.propertyName(group).equals(OptionSettings.DEFAULT)) {
            settings.configuration(binder, group);
        }
        attributes(settings, "@RedisStreamListener", Map.of(
                "consumer", listener.consumer(),
                "concurrency", listener.concurrency(),
                "orderingKey", listener.orderingKey(),
                "maxFailures", listener.maxFailures(),
                "maxDeliveries", listener.maxDeliveries(),
                "deadLetter", listener.deadLetter()), OptionSettings.LISTENER_ATTRIBUTES);
        String startFrom = resolve(listener.startFrom()).strip();
        if (!startFrom.isEmpty()) {
            try {
                settings.set("start-position", StartPosition.parse(startFrom), "@RedisStreamListener(startFrom)");
            } catch (InvalidOptionException e) {
                throw new IllegalArgumentException(e.describe(key -> "@RedisStreamListener(startFrom)"), e);
            }
        }
        ErrorPolicy policy = AnnotatedElementUtils.findMergedAnnotation(method, ErrorPolicy.class);
        if (policy != null) {
            attributes(settings, "@ErrorPolicy", Map.of(
                    "maxAttempts", policy.maxAttempts(),
                    "delay", policy.delay(),
                    "maxDelay", policy.maxDelay(),
                    "multiplier", policy.multiplier(),
                    "jitter", policy.jitter()), OptionSettings.ERROR_POLICY_ATTRIBUTES);
            if (policy.retryable().length > 0) {
                settings.set("retry.retryable", List.of((Object[]) policy.retryable()), "@ErrorPolicy(retryable)");
            }
            if (policy.nonRetryable().length > 0) {
                settings.set("retry.non-retryable", List.of((Object[]) policy.nonRetryable()), "@ErrorPolicy(nonRetryable)");
            }
        }
        if (settings.value("consumer") == null && settings.value("checkpoint.directory") == null) {
            // without a checkpoint directory the core cannot derive a name: the host's keeps a restarted
            // process on its own pending entries (two processes on one host must set distinct names)
            settings.set("consumer", hostName(), "the host name as consumer");
        }
        SubscriptionOptions options = bindingErrorsNotRetried(settings.build(streams, group));

        SendTo sendToAnnotation = AnnotatedElementUtils.findMergedAnnotation(method, SendTo.class);
        List<String> sendTo = sendToAnnotation == null ? List.of()
                : Arrays.stream(sendToAnnotation.value()).map(this::resolve).filter(s -> !s.isBlank()).toList();
        if (sendToAnnotation != null && sendTo.isEmpty()) {
            throw new IllegalArgumentException("@SendTo names no stream");
        }
        // the return type before the parameters: a Kotlin suspend function's last parameter is its continuation
        HandlerResult result = HandlerResult.of(method, !sendTo.isEmpty());
        MethodBinding binding = MethodBinding.of(method, listener.batch(), codec.getObject(),
                ApplicationConversionService.getSharedInstance());
        if (listener.ackMode() == AckMode.MANUAL && !binding.manual()) {
            throw new IllegalArgumentException("@RedisStreamListener(ackMode = MANUAL) but the method takes no "
                    + "Acknowledgement parameter, so it could never acknowledge an entry: add an io.rill.Acknowledgement "
                    + "parameter, or remove ackMode");
        }
        if (listener.ackMode() == AckMode.AUTO && binding.manual()) {
            throw new IllegalArgumentException("@RedisStreamListener(ackMode = AUTO) but the method takes an "
                    + "Acknowledgement parameter: remove one of them");
        }
        if (!sendTo.isEmpty() && binding.manual()) {
            throw new IllegalArgumentException("@SendTo with an Acknowledgement parameter: the output is written after "
                    + "the method returns, so an ack inside it could come before the output exists; remove one of them");
        }
        return new ListenerMethod(name, options, autoStartup, bean, method, binding, result, sendTo,
                sendToAnnotation == null || sendToAnnotation.transactional());
    }

    /** Sets the options the non-empty attributes hold, each named {@code @Annotation(attribute)} in messages. */
    private void attributes(OptionSettings settings, String annotation, Map<String, String> values,
            Map<String, String> keys) {
        keys.forEach((attribute, key) -> {
            String value = values.get(attribute);
            if (value != null) {
                settings.set(key, resolve(value).strip(), annotation + "(" + attribute + ")");
            }
        });
    }

    private String resolve(String value) {
        return environment.resolveRequiredPlaceholders(value);
    }

    /**
     * Binding errors are not retried by default (one attempt, then the failure policy): the same value fails the
     * same way on every attempt. A group whose {@code retry.retryable} or {@code retry.non-retryable} names
     * {@link EntryBindingException} is left as set.
     */
    static SubscriptionOptions bindingErrorsNotRetried(SubscriptionOptions options) {
        RetryOptions retry = options.retry();
        if (retry.retryable().contains(EntryBindingException.class) || retry.nonRetryable().contains(EntryBindingException.class)) {
            return options;
        }
        List<Class<? extends Throwable>> nonRetryable = new ArrayList<>(retry.nonRetryable());
        nonRetryable.add(EntryBindingException.class);
        return options.toBuilder()
                .retry(new RetryOptions(retry.maxAttempts(), retry.backoff(), retry.retryable(), nonRetryable))
                .build();
    }

    private static String hostName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "localhost";
            }
        }
        return host;
    }

}
