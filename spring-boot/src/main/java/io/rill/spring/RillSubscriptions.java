package io.rill.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.deadletter.DeadLetters;
import io.rill.spring.internal.BodyCodec;
import io.rill.spring.internal.ListenerMethod;
import io.rill.spring.internal.StreamOutput;
import io.rill.tracing.Tracing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The subscriptions of the application's {@link RedisStreamListener} methods: lists them with their state,
 * pauses and resumes them by id, starts them once the context is refreshed and stops them gracefully
 * (in-flight handlers finish within {@code shutdown-timeout}, acks are flushed) before Boot's
 * {@link LettuceConnectionFactory} is stopped and destroyed: a {@link SmartLifecycle} in a phase above the
 * factory's. What does not finish stays pending in Redis.
 *
 * <p>One {@link Rill} over the Lettuce client of Boot's connection factory ({@code spring.data.redis.*}), with
 * the application's {@link MeterRegistry} when there is exactly one. Startup does not wait for Redis: a
 * subscription whose server does not answer starts RECOVERING and consumes once it does, unless
 * {@code rill.fail-fast=true}, which fails startup instead.
 */
public class RillSubscriptions implements SmartLifecycle, DisposableBean {

    /**
     * Start after, stop before every phase below: Boot's connection factory (phase 0); stop after the web
     * server's graceful shutdown (DEFAULT_PHASE - 1024) and its stop (DEFAULT_PHASE - 2048).
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private static final Logger log = LoggerFactory.getLogger(RillSubscriptions.class);
    /** What a second caller of {@link #stop()} waits beyond the longest shutdown-timeout (closing connections). */
    private static final Duration STOP_MARGIN = Duration.ofSeconds(5);

    private static final class Registration {
        final ListenerMethod method;
        final String id;
        volatile Subscription subscription;

        Registration(ListenerMethod method) {
            this.method = method;
            this.id = idOf(method.options());
        }
    }

    private final ObjectProvider<RedisConnectionFactory> connectionFactory;
    private final ObjectProvider<MeterRegistry> meterRegistry;
    private final Tracing tracing;
    /** Null unless rill.observation.enabled and the application has an ObservationRegistry. */
    private volatile ObservationRegistry observations;
    private final BodyCodec codec;
    private final RillProperties properties;
    private final Environment environment;
    private final Map<String, Registration> registrations = new LinkedHashMap<>();
    private Rill rill;
    private StreamOutput output;
    private volatile boolean running;
    /** Set by the first {@link #stop()} and completed when it has finished; cleared by a {@link #start()} after it. */
    private CompletableFuture<Void> stopping;

    public RillSubscriptions(ObjectProvider<RedisConnectionFactory> connectionFactory, ObjectProvider<MeterRegistry> meterRegistry,
            BodyCodec codec, RillProperties properties, Environment environment) {
        this(connectionFactory, meterRegistry, Tracing.off(), codec, properties, environment);
    }

    /** @param tracing the consumer span of each listener call and the trace fields of {@code @SendTo} output */
    public RillSubscriptions(ObjectProvider<RedisConnectionFactory> connectionFactory, ObjectProvider<MeterRegistry> meterRegistry,
            Tracing tracing, BodyCodec codec, RillProperties properties, Environment environment) {
        this.connectionFactory = connectionFactory;
        this.meterRegistry = meterRegistry;
        this.tracing = tracing != null ? tracing : Tracing.off();
        this.codec = codec;
        this.properties = properties;
        this.environment = environment;
    }

    /**
     * The id a subscription with these options has: {@code group/consumer/stream,stream}, as the core names it;
     * {@code group/(derived)/...} while the consumer name is to be derived from the checkpoint directory.
     */
    public static String idOf(SubscriptionOptions options) {
        String consumer = options.consumer() != null ? options.consumer() : "(derived)";
        return options.group() + "/" + consumer + "/" + String.join(",", options.streams());
    }

    /** Every listener subscription, started or not, in the order they were found. */
    public synchronized List<SubscriptionInfo> list() {
        List<SubscriptionInfo> all = new ArrayList<>(registrations.size());
        for (Registration r : registrations.values()) {
            all.add(info(r));
        }
        return all;
    }

    /** One subscription's info. */
    public synchronized Optional<SubscriptionInfo> get(String id) {
        return Optional.ofNullable(registrations.get(id)).map(RillSubscriptions::info);
    }

    /** The running core subscription, when started. */
    public synchronized Optional<Subscription> subscription(String id) {
        return Optional.ofNullable(registrations.get(id)).map(r -> r.subscription);
    }

    /** Stops reading (in-flight entries are still handled and acknowledged); see {@link Subscription#pause()}. */
    public synchronized void pause(String id) {
        Registration r = require(id);
        if (r.subscription != null) {
            r.subscription.pause();
        }
    }

    /** Reads again after {@link #pause}; starts an {@code autoStartup = "false"} subscription. */
    public synchronized void resume(String id) {
        Registration r = require(id);
        if (r.subscription == null) {
            if (stopping != null) {
                throw new IllegalStateException("the application is stopping; subscription '" + id + "' is not started");
            }
            start(r);
        } else {
            r.subscription.resume();
        }
    }

    /**
     * Moves the consumer group of a paused subscription to {@code position} on its streams, or on {@code stream}
     * only ({@code XGROUP SETID}, see {@link Rill#seek}).
     *
     * @return the streams moved
     */
    public List<String> seek(String id, StartPosition position, String stream) {
        Registration r;
        synchronized (this) {
            r = require(id);
            if (stopping != null) {
                throw new IllegalStateException("the application is stopping");
            }
        }
        List<String> streams = r.method.options().streams();
        if (stream != null) {
            if (!streams.contains(stream)) {
                throw new IllegalArgumentException("subscription '" + id + "' does not read stream '" + stream
                        + "'; it reads " + streams);
            }
            streams = List.of(stream);
        }
        for (String s : streams) {
            rill().seek(s, r.method.options().group(), position);
        }
        return streams;
    }

    /** The dead letters of one dead-letter stream, to list and redrive; see {@link Rill#deadLetters(String)}. */
    public DeadLetters deadLetters(String deadLetterStream) {
        synchronized (this) {
            if (stopping != null) {
                throw new IllegalStateException("the application is stopping");
            }
        }
        return rill().deadLetters(deadLetterStream);
    }

    /** Boot's Lettuce client, for the Producer bean and commands of the actuator endpoint. */
    public RedisClient client() {
        return nativeClient();
    }

    /** Adds a listener method; called at startup as the beans are created. */
    public synchronized void register(ListenerMethod method) {
        Registration r = new Registration(method);
        Registration other = registrations.get(r.id);
        if (other != null) {
            throw new IllegalStateException(method.name() + " and " + other.method.name() + " would both be consumer '"
                    + method.options().consumer() + "' of group '" + method.options().group() + "' on "
                    + method.options().streams() + ", sharing one pending list: give one of them another consumer "
                    + "(@RedisStreamListener(consumer)) or group");
        }
        registrations.put(r.id, r);
        if (running && method.autoStartup()) {
            start(r);
        }
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        if (stopping != null) {
            // a start after a stop (Spring's context.stop() then start()): the drain must be over first
            awaitStopped(stopping);
            stopping = null;
        }
        if (!registrations.isEmpty()) {
            warnIfPhaseTimeoutIsShorter();
            rill(); // fails startup here when the connection is of a kind Rill can't use
        }
        running = true;
        for (Registration r : registrations.values()) {
            if (r.method.autoStartup() && (r.subscription == null || r.subscription.state().isTerminal())) {
                start(r);
            }
        }
    }

    /**
     * Runs every listener call in an Observation of this registry ({@code rill.observation.enabled}); set by the
     * auto-configuration before the subscriptions start.
     */
    public void observeWith(ObservationRegistry registry) {
        this.observations = registry;
    }

    private void start(Registration r) {
        r.subscription = r.method.subscribe(rill(), r.method.sendsOutput() ? output() : null, observations);
        log.info("Subscribed {} as {}", r.method.name(), r.id);
    }

    private synchronized Rill rill() {
        if (rill == null) {
            RedisClusterClient cluster = clusterClient();
            if (cluster != null) {
                if (properties.isFailFast()) {
                    ping(cluster);
                }
                rill = Rill.builder(cluster).meterRegistry(meterRegistry.getIfUnique()).tracing(tracing).build();
                return rill;
            }
            RedisClient client = nativeClient();
            if (properties.isFailFast()) {
                ping(client);
            }
            rill = Rill.builder(client).meterRegistry(meterRegistry.getIfUnique()).tracing(tracing).build();
        }
        return rill;
    }

    /** The cluster client of Boot's connection factory when it connects to a Redis Cluster; null otherwise. */
    private RedisClusterClient clusterClient() {
        if (connectionFactory.getIfUnique() instanceof LettuceConnectionFactory factory && factory.isClusterAware()
                && factory.getRequiredNativeClient() instanceof RedisClusterClient cluster) {
            return cluster;
        }
        return null;
    }

    private synchronized StreamOutput output() {
        if (output == null) {
            RedisClusterClient cluster = clusterClient();
            output = cluster != null ? new StreamOutput(cluster, codec, tracing) : new StreamOutput(nativeClient(), codec, tracing);
        }
        return output;
    }

    /**
     * The {@link RedisClient} of Boot's connection factory, for what does not run on a cluster yet (the
     * Producer bean, the actuator's commands). A cluster or a static master/replica setup fails here, naming the
     * property that chose it; listeners run on a cluster through {@link #rill()}.
     */
    private RedisClient nativeClient() {
        RedisConnectionFactory bean = connectionFactory.getIfUnique();
        if (!(bean instanceof LettuceConnectionFactory factory)) {
            throw new IllegalStateException("Rill runs on Lettuce and needs Boot's LettuceConnectionFactory, but the "
                    + "application has " + (bean == null ? "no single RedisConnectionFactory bean" : "a "
                    + bean.getClass().getName()) + ": remove spring.data.redis.client-type=jedis (Lettuce is Boot's "
                    + "default), or define a LettuceConnectionFactory bean, or set rill.enabled=false");
        }
        return nativeClient(factory);
    }

    private RedisClient nativeClient(LettuceConnectionFactory connectionFactory) {
        if (connectionFactory.isClusterAware()) {
            // listeners run on the cluster client (rill()); what still needs a RedisClient lands here
            throw new IllegalStateException("the Producer bean and the actuator endpoint's commands do not run on Redis "
                    + "Cluster yet, and spring.data.redis.cluster.nodes configures one: listeners (@SendTo included) run "
                    + "on it; point spring.data.redis.host/port (or spring.data.redis.sentinel.*) at a standalone or "
                    + "Sentinel-managed Redis for these, or set rill.enabled=false");
        }
        if (environment.containsProperty("spring.data.redis.masterreplica.nodes")) {
            throw new IllegalStateException("Rill does not run on a static master/replica setup "
                    + "(spring.data.redis.masterreplica.nodes): stream reads are writes and go to the master; point "
                    + "spring.data.redis.host/port or spring.data.redis.sentinel.* at it, or set rill.enabled=false");
        }
        AbstractRedisClient client = connectionFactory.getRequiredNativeClient();
        if (client instanceof RedisClusterClient) {
            throw new IllegalStateException("the Producer bean and the actuator endpoint's commands do not run on Redis "
                    + "Cluster yet, and the LettuceConnectionFactory bean connects to one: give them a standalone or "
                    + "Sentinel-managed Redis, or set rill.enabled=false");
        }
        if (!(client instanceof RedisClient redis)) {
            throw new IllegalStateException("the LettuceConnectionFactory's client is a " + client.getClass().getName()
                    + ", which Rill can't use: a standalone or Sentinel RedisClient is needed");
        }
        return redis;
    }

    private static void ping(RedisClusterClient client) {
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            connection.sync().ping();
        } catch (RuntimeException e) {
            throw new IllegalStateException("rill.fail-fast is on and the Redis Cluster does not answer a PING ("
                    + e.getMessage() + "): check spring.data.redis.cluster.nodes, or set rill.fail-fast=false to start "
                    + "anyway and consume once the cluster answers", e);
        }
    }

    private static void ping(RedisClient client) {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().ping();
        } catch (RuntimeException e) {
            throw new IllegalStateException("rill.fail-fast is on and Redis does not answer a PING (" + e.getMessage()
                    + "): check spring.data.redis.host/port or spring.data.redis.url, or set rill.fail-fast=false to "
                    + "start anyway and consume once Redis answers", e);
        }
    }

    /**
     * Spring stops each lifecycle phase within {@code spring.lifecycle.timeout-per-shutdown-phase}; shorter than a
     * subscription's shutdown-timeout, Spring goes on (and the connection factory stops) while handlers may still
     * run: one WARN naming both properties.
     */
    private void warnIfPhaseTimeoutIsShorter() {
        Duration phase = environment.getProperty("spring.lifecycle.timeout-per-shutdown-phase", Duration.class,
                Duration.ofSeconds(30));
        Duration longest = longestShutdownTimeout();
        if (longest.compareTo(phase) > 0) {
            log.warn("spring.lifecycle.timeout-per-shutdown-phase ({}) is shorter than the longest rill.consumers.*."
                    + "shutdown-timeout ({}): Spring stops waiting for Rill's handlers after {}; set "
                    + "spring.lifecycle.timeout-per-shutdown-phase to at least {}", phase, longest, phase, longest);
        }
    }

    private synchronized Duration longestShutdownTimeout() {
        Duration longest = Duration.ZERO;
        for (Registration r : registrations.values()) {
            Duration timeout = r.method.options().shutdownTimeout();
            if (timeout.compareTo(longest) > 0) {
                longest = timeout;
            }
        }
        return longest;
    }

    /**
     * Stops every subscription gracefully, each within its shutdown-timeout, side by side. Idempotent: a second
     * caller (the bean's destruction after Spring stopped waiting for the lifecycle phase) waits until the first
     * stop has finished, at most the longest shutdown-timeout and a margin, so that the connection factory is not
     * destroyed under handlers still finishing.
     */
    @Override
    public void stop() {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> other;
        Rill closing = null;
        StreamOutput writer = null;
        synchronized (this) {
            other = stopping;
            if (other == null) {
                stopping = mine;
                closing = rill;
                writer = output;
                rill = null;
                output = null;
                running = false;
            }
        }
        if (other != null) {
            awaitStopped(other);
            return;
        }
        try {
            if (closing != null) {
                closing.close(); // drains: in-flight handlers finish, acks are flushed
            }
        } finally {
            if (writer != null) {
                writer.close(); // after the drain: a finishing handler may still write its output
            }
            mine.complete(null);
        }
    }

    /** Waits for a stop another caller runs; bounded, so that a stuck stop can't hang the shutdown. */
    private void awaitStopped(CompletableFuture<Void> done) {
        Duration bound = longestShutdownTimeout().plus(STOP_MARGIN);
        try {
            done.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException e) {
            log.warn("Rill's subscriptions are still stopping {} after the stop began; going on without them", bound);
        } catch (ExecutionException e) {
            // done is only ever completed normally
        }
    }

    @Override
    public void stop(Runnable callback) {
        Thread.ofPlatform().name("rill-stop").start(() -> {
            try {
                stop();
            } catch (RuntimeException e) {
                log.error("Stopping Rill's subscriptions failed", e);
            } finally {
                callback.run();
            }
        });
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public void destroy() {
        stop();
    }

    private Registration require(String id) {
        Registration r = registrations.get(id);
        if (r == null) {
            throw new IllegalArgumentException("no Rill subscription '" + id + "'; there are " + registrations.keySet());
        }
        return r;
    }

    private static SubscriptionInfo info(Registration r) {
        Subscription s = r.subscription;
        ListenerMethod m = r.method;
        if (s == null) {
            return new SubscriptionInfo(r.id, m.name(), m.options(), false, Optional.empty(), Optional.empty(), false, 0,
                    Optional.empty());
        }
        return new SubscriptionInfo(r.id, m.name(), m.options(), true, Optional.of(s.state()), Optional.of(s.stateSince()),
                s.paused(), s.inFlight(), s.lastError());
    }
}
