package io.rill.micronaut.listen;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.micronaut.context.BeanContext;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.env.Environment;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.context.processor.ExecutableMethodProcessor;
import io.micronaut.core.naming.NameUtils;
import io.micronaut.inject.BeanDefinition;
import io.micronaut.inject.ExecutableMethod;
import io.micronaut.inject.qualifiers.Qualifiers;
import io.micronaut.messaging.annotation.SendTo;
import io.rill.RetryOptions;
import io.rill.InvalidOptionException;
import io.rill.StartPosition;
import io.rill.SubscriptionOptions;
import io.rill.micronaut.RillSubscriptions;
import io.rill.micronaut.StreamPublisher;
import io.rill.micronaut.annotation.AckMode;
import io.rill.micronaut.annotation.ErrorPolicy;
import io.rill.micronaut.annotation.RedisStreamClient;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.micronaut.bind.EntryBindingException;
import io.rill.micronaut.bind.MethodBinding;
import io.rill.micronaut.config.AnnotationAttributes;
import io.rill.micronaut.config.ConsumerConfiguration;
import io.rill.micronaut.config.OptionSettings;
import io.rill.micronaut.config.RillConfiguration;
import io.rill.micronaut.connect.RedisConnections;
import io.rill.micronaut.produce.StreamPublishers;
import jakarta.inject.Singleton;

/**
 * Finds the {@link Stream} methods of {@link RedisStreamListener} beans at startup and translates each into
 * a {@link ListenerMethod}: streams, group, consumer and options from the annotations ({@code @Stream},
 * {@code @ErrorPolicy}) over {@code rill.consumers.<group>} over {@code rill.consumers.default}, merged by
 * {@link OptionSettings} and validated by the core; the connection from micronaut-redis;
 * the parameter binding. Anything wrong fails startup with a message naming the bean, the method and the
 * attribute or property to fix. The {@link RillSubscriptions} registry starts them once the context is up.
 */
@Singleton
@Requires(property = RillConfiguration.ENABLED, notEquals = "false")
public class StreamListenerProcessor implements ExecutableMethodProcessor<Stream> {

    private final BeanContext beans;
    private final Environment environment;
    private final RedisConnections connections;
    private final StreamPublishers publishers;
    private final RillSubscriptions registry;

    public StreamListenerProcessor(BeanContext beans, Environment environment, RedisConnections connections,
            StreamPublishers publishers, RillSubscriptions registry) {
        this.beans = beans;
        this.environment = environment;
        this.connections = connections;
        this.publishers = publishers;
        this.registry = registry;
    }

    @Override
    public void process(BeanDefinition<?> definition, ExecutableMethod<?, ?> method) {
        if (definition.hasStereotype(RedisStreamClient.class)) {
            return; // a producer method: RedisStreamClientAdvice implements it
        }
        String where = "@RedisStreamListener bean " + definition.getBeanType().getName() + ", method " + method.getMethodName();
        if (!definition.hasStereotype(RedisStreamListener.class)) {
            throw new ConfigurationException(where + ": @Stream is used on a bean that is neither @RedisStreamListener "
                    + "nor @RedisStreamClient; annotate the class");
        }
        try {
            registry.register(translate(definition, method, where));
        } catch (ConfigurationException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(where + ": " + e.getMessage(), e);
        }
    }

    private ListenerMethod translate(BeanDefinition<?> definition, ExecutableMethod<?, ?> method, String where) {
        String name = definition.getBeanType().getName() + "#" + method.getMethodName();
        AnnotationAttributes listener = AnnotationAttributes.of(definition.getAnnotationMetadata(), RedisStreamListener.class,
                environment, where);
        AnnotationAttributes stream = AnnotationAttributes.of(method.getAnnotationMetadata(), Stream.class, environment, where);

        List<String> streams = List.of(stream.strings("value"));
        String group = listener.string("group");
        if (group.isEmpty()) {
            group = listener.string("value");
        }
        if (group.isEmpty()) {
            group = environment.getProperty("micronaut.application.name", String.class).orElseThrow(() -> new ConfigurationException(
                    where + ": no consumer group: set @RedisStreamListener(group) or micronaut.application.name"));
        }
        String connection = listener.string("connection");
        boolean autoStartup = listener.bool("autoStartup", true);

        // the options, lowest precedence first: rill.consumers.default, rill.consumers.<group>, the annotations
        OptionSettings settings = new OptionSettings(environment);
        consumerConfiguration(ConsumerConfiguration.DEFAULT).ifPresent(settings::configuration);
        if (!group.equals(ConsumerConfiguration.DEFAULT)) {
            consumerConfiguration(group).ifPresent(settings::configuration);
        }
        settings.annotation(listener, OptionSettings.LISTENER_ATTRIBUTES)
                .annotation(stream, OptionSettings.STREAM_ATTRIBUTES)
                .set("start-position", startPosition(stream, where), stream.name("startFrom"))
                .annotation(AnnotationAttributes.of(method.getAnnotationMetadata(), ErrorPolicy.class, environment, where),
                        OptionSettings.ERROR_POLICY_ATTRIBUTES);
        if (!stream.string("maxLen").isEmpty()) {
            throw new ConfigurationException(where + ": @Stream(maxLen) applies to @RedisStreamClient methods only");
        }
        if (settings.value("consumer") == null && settings.value("checkpoint.directory") == null) {
            // without a checkpoint directory the core cannot derive a name: the host's keeps a restarted
            // process on its own pending entries (two processes on one host must set distinct names)
            settings.set("consumer", hostName(), "the host name as consumer");
        }
        SubscriptionOptions options = bindingErrorsNotRetried(settings.build(streams, group));

        List<String> sendTo = List.of(AnnotationAttributes.of(method.getAnnotationMetadata(), SendTo.class, environment, where)
                .strings("value"));
        // the return type before the parameters: a Kotlin suspend function's last parameter is its continuation
        HandlerResult result = HandlerResult.of(method, !sendTo.isEmpty(), environment);
        boolean batch = stream.bool("batch", false);
        MethodBinding binding = MethodBinding.of(method.getArguments(), batch, publishers.codec(), environment);
        AckMode ackMode = stream.enumValue("ackMode", AckMode.class, AckMode.DEFAULT);
        if (ackMode == AckMode.MANUAL && !binding.manual()) {
            throw new ConfigurationException(where + ": @Stream(ackMode = MANUAL) but the method takes no Acknowledgement "
                    + "parameter, so it could never acknowledge an entry: add an io.rill.Acknowledgement parameter, or "
                    + "remove ackMode");
        }
        if (ackMode == AckMode.AUTO && binding.manual()) {
            throw new ConfigurationException(where + ": @Stream(ackMode = AUTO) but the method takes an Acknowledgement "
                    + "parameter: remove one of them");
        }

        boolean transactional = stream.bool("transactional", true);
        if (!transactional && sendTo.isEmpty()) {
            throw new ConfigurationException(where + ": @Stream(transactional = false) without @SendTo: it only says how "
                    + "@SendTo output is written; remove it, or add @SendTo");
        }
        if (!sendTo.isEmpty() && binding.manual()) {
            throw new ConfigurationException(where + ": @SendTo with an Acknowledgement parameter: the output is "
                    + "written after the method returns, so an ack inside it could come before the output exists; "
                    + "remove one of them");
        }

        StreamPublisher publisher = null;
        try {
            if (!connections.isCluster(connection)) {
                connections.client(connection); // a cluster's client is there when redis.uris is
            }
            if (!sendTo.isEmpty()) { // over a cluster: micronaut-redis's cluster client
                publisher = publishers.of(connection);
            }
        } catch (ConfigurationException e) {
            throw new ConfigurationException(where + ": @RedisStreamListener(connection"
                    + (connection.isEmpty() ? "" : " = \"" + connection + "\"") + "): " + e.getMessage(), e);
        }
        Object bean = beans.getBean(definition);
        return new ListenerMethod(name, connection, options, autoStartup, bean, method, binding, result, sendTo, publisher,
                transactional);
    }

    /**
     * Binding errors are not retried by default (one attempt, then the failure policy): the same value
     * fails the same way on every attempt. A group whose {@code retry.retryable} names
     * {@link EntryBindingException} (or whose {@code retry.non-retryable} names it already) is left as set.
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

    private Optional<ConsumerConfiguration> consumerConfiguration(String group) {
        Optional<ConsumerConfiguration> exact = beans.findBean(ConsumerConfiguration.class, Qualifiers.byName(group));
        if (exact.isPresent()) {
            return exact;
        }
        // property keys are normalized to kebab case: a group "orderService" is configured as order-service
        String kebab = NameUtils.hyphenate(group).toLowerCase(Locale.ROOT);
        return kebab.equals(group) ? exact : beans.findBean(ConsumerConfiguration.class, Qualifiers.byName(kebab));
    }

    private static StartPosition startPosition(AnnotationAttributes stream, String where) {
        String text = stream.string("startFrom");
        if (text.isEmpty()) {
            return null;
        }
        try {
            return StartPosition.parse(text);
        } catch (InvalidOptionException e) {
            throw new ConfigurationException(where + ": " + e.describe(key -> "@Stream(startFrom)"));
        }
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
