package io.rill.micronaut;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.BeanContext;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Internal;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.graceful.GracefulShutdownCapable;
import io.micronaut.runtime.graceful.GracefulShutdownConfiguration;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.deadletter.DeadLetters;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.micronaut.config.RillConfiguration;
import io.rill.micronaut.connect.RedisConnections;
import io.rill.micronaut.listen.ListenerMethod;
import io.rill.tracing.Tracing;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

/**
 * The subscriptions of the application's {@code @RedisStreamListener} methods: lists them with their
 * state, pauses and resumes them by id, starts them once the context is up and stops them gracefully
 * when it shuts down (before any bean is destroyed, so handlers can finish; what does not finish within
 * {@code shutdown-timeout} stays pending in Redis).
 *
 * <p>One {@link Rill} per micronaut-redis server in use, with the application's {@link MeterRegistry}
 * when there is one. Startup does not wait for Redis: a subscription whose server does not answer starts
 * RECOVERING and consumes once it does, unless {@code rill.fail-fast=true}, which fails startup instead.
 */
@Singleton
@Requires(property = RillConfiguration.ENABLED, notEquals = "false")
public class RillSubscriptions implements GracefulShutdownCapable {

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

    private final BeanContext beans;
    private final RedisConnections connections;
    private final RillConfiguration configuration;
    private final Map<String, Registration> registrations = new LinkedHashMap<>();
    private final Map<String, Rill> rills = new LinkedHashMap<>();
    private boolean started;
    private boolean stopped;
    /** Completed when the first {@link #stop()} has finished. */
    private final CompletableFuture<Void> stopDone = new CompletableFuture<>();

    public RillSubscriptions(BeanContext beans, RedisConnections connections, RillConfiguration configuration) {
        this.beans = beans;
        this.connections = connections;
        this.configuration = configuration;
    }

    /**
     * The id a subscription with these options has: {@code group/consumer/stream,stream}, as the core names
     * it; {@code group/(derived)/...} while the consumer name is to be derived from the checkpoint directory.
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

    /** Reads again after {@link #pause}; starts an {@code autoStartup = false} subscription. */
    public synchronized void resume(String id) {
        Registration r = require(id);
        if (r.subscription == null) {
            if (stopped) {
                throw new IllegalStateException("the application is stopping; subscription '" + id + "' is not started");
            }
            start(r);
        } else {
            r.subscription.resume();
        }
    }

    /**
     * Moves the consumer group of a subscription to {@code position} on its streams, or on {@code stream} only
     * when given ({@code XGROUP SETID}, see {@link Rill#seek}): the group's next read of new entries starts
     * there, for every consumer of the group; pending entries stay pending. The subscription must be paused
     * (or not started); resume it afterwards.
     *
     * @return the streams moved
     * @throws IllegalArgumentException for an unknown id, a stream the subscription does not read, or a group
     *                                  or stream that does not exist in Redis
     * @throws IllegalStateException    when the subscription (or another one of the group here) is reading
     */
    public List<String> seek(String id, StartPosition position, String stream) {
        Registration r;
        synchronized (this) {
            r = require(id);
            if (stopped) {
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
        Rill rill = rillFor(r.method.connection());
        for (String s : streams) {
            rill.seek(s, r.method.options().group(), position);
        }
        return streams;
    }

    /** Adds a translated listener method; called by the processor at startup. */
    @Internal
    public synchronized void register(ListenerMethod method) {
        Registration r = new Registration(method);
        Registration other = registrations.get(r.id);
        if (other != null) {
            throw new ConfigurationException(method.name() + " and " + other.method.name() + " would both be consumer '"
                    + method.options().consumer() + "' of group '" + method.options().group() + "' on "
                    + method.options().streams() + ", sharing one pending list: give one of them another consumer "
                    + "(@RedisStreamListener(consumer)) or group");
        }
        registrations.put(r.id, r);
        if (started && method.autoStartup()) {
            start(r);
        }
    }

    @EventListener
    synchronized void onStartup(StartupEvent event) {
        started = true;
        warnIfGracePeriodIsShorter();
        for (Registration r : registrations.values()) {
            if (r.method.autoStartup() && r.subscription == null) {
                start(r);
            }
        }
    }

    private void start(Registration r) {
        Rill rill = rills.get(r.method.connection());
        if (rill == null) {
            try {
                rill = rillFor(r.method.connection());
            } catch (ConfigurationException e) {
                throw new ConfigurationException("@RedisStreamListener " + r.method.name() + " cannot start: " + e.getMessage(), e);
            }
        }
        r.subscription = r.method.subscribe(rill);
        log.info("Subscribed {} as {}", r.method.name(), r.id);
    }

    /** The Rill over one micronaut-redis server ("" for the primary), made on first use. */
    private synchronized Rill rillFor(String connection) {
        Rill rill = rills.get(connection);
        if (rill == null && connections.isCluster(connection)) {
            RedisClusterClient cluster = connections.clusterClient();
            if (configuration.isFailFast()) {
                connections.check(cluster);
            }
            rill = Rill.builder(cluster).meterRegistry(meterRegistry()).tracing(tracing()).build();
            rills.put(connection, rill);
        }
        if (rill == null) {
            RedisClient client = connections.client(connection);
            if (configuration.isFailFast()) {
                connections.check(connection, client);
            }
            rill = Rill.builder(client).meterRegistry(meterRegistry()).tracing(tracing()).build();
            rills.put(connection, rill);
        }
        return rill;
    }

    /**
     * The dead letters of one dead-letter stream on a micronaut-redis server ("" for the primary), to list
     * and redrive; see {@link Rill#deadLetters(String)}.
     */
    public DeadLetters deadLetters(String connection, String deadLetterStream) {
        synchronized (this) {
            if (stopped) {
                throw new IllegalStateException("the application is stopping");
            }
        }
        return rillFor(connection).deadLetters(deadLetterStream);
    }

    private MeterRegistry meterRegistry() {
        try {
            return beans.findBean(MeterRegistry.class).orElse(null);
        } catch (RuntimeException e) {
            log.warn("No single MeterRegistry to bind Rill's meters to: {}", e.toString());
            return null;
        }
    }

    /** The Tracing bean (OpenTelemetryTracingFactory's when OpenTelemetry is there), else none. */
    private Tracing tracing() {
        return beans.findBean(Tracing.class).orElse(Tracing.off());
    }

    @EventListener
    void onShutdown(ShutdownEvent event) {
        stop();
    }

    @PreDestroy
    void close() {
        stop();
    }

    /**
     * Stops every subscription gracefully, each within its shutdown-timeout, side by side. Idempotent: a
     * second caller (the ShutdownEvent after Micronaut's graceful shutdown gave up waiting, a
     * {@code @PreDestroy}) waits until the first stop has finished, at most the longest shutdown-timeout
     * and a margin, so that no bean a handler or an ack needs (the Redis client) is destroyed under it.
     */
    public void stop() {
        List<Rill> running;
        synchronized (this) {
            if (stopped) {
                running = null;
            } else {
                stopped = true;
                running = new ArrayList<>(rills.values());
            }
        }
        if (running == null) {
            awaitStopped();
            return;
        }
        try {
            // one Rill per connection: side by side, so that the slowest bounds the stop, not the sum
            List<Thread> stoppers = new ArrayList<>();
            for (Rill rill : running) {
                stoppers.add(Thread.ofPlatform().name("rill-stop").start(rill::close));
            }
            for (Thread stopper : stoppers) {
                stopper.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopDone.complete(null);
        }
    }

    /** Waits for the stop another caller runs; a bounded wait, so that a stuck stop can't hang the shutdown. */
    private void awaitStopped() {
        Duration bound = longestShutdownTimeout().plus(STOP_MARGIN);
        try {
            stopDone.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException e) {
            log.warn("Rill's subscriptions are still stopping {} after the stop began; the shutdown goes on without them", bound);
        } catch (ExecutionException e) {
            // stopDone is only ever completed normally
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
     * Micronaut's graceful shutdown ({@code micronaut.lifecycle.graceful-shutdown.enabled}) stops the
     * subscriptions in its phase and waits for them up to its grace period; past it, the ShutdownEvent
     * that follows still waits for the stop to finish (see {@link #stop()}).
     */
    @Override
    public CompletionStage<?> shutdownGracefully() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().name("rill-graceful-shutdown").start(() -> {
            try {
                stop();
            } catch (RuntimeException e) {
                log.error("Stopping Rill's subscriptions failed", e); // the contract: log, never complete exceptionally
            } finally {
                done.complete(null);
            }
        });
        return done;
    }

    /**
     * With Micronaut's graceful shutdown on, a grace period shorter than a subscription's shutdown-timeout
     * means Micronaut stops waiting for Rill before the handlers are given up: one WARN at startup naming
     * both properties. (The drain still runs to its shutdown-timeout before any bean is destroyed.)
     */
    private void warnIfGracePeriodIsShorter() {
        Optional<GracefulShutdownConfiguration> graceful = beans.findBean(GracefulShutdownConfiguration.class)
                .filter(GracefulShutdownConfiguration::isEnabled);
        if (graceful.isEmpty()) {
            return;
        }
        Duration grace = graceful.get().getGracePeriod();
        Registration longest = null;
        List<String> over = new ArrayList<>();
        for (Registration r : registrations.values()) {
            Duration timeout = r.method.options().shutdownTimeout();
            if (timeout.compareTo(grace) > 0) {
                over.add(r.id);
                if (longest == null || timeout.compareTo(longest.method.options().shutdownTimeout()) > 0) {
                    longest = r;
                }
            }
        }
        if (longest != null) {
            Duration timeout = longest.method.options().shutdownTimeout();
            log.warn("{}.grace-period ({}) is shorter than rill.consumers.{}.shutdown-timeout ({}) of {}: Micronaut's "
                    + "graceful shutdown stops waiting for Rill after {}, and the shutdown then still waits up to {} for "
                    + "handlers in flight; set {}.grace-period to at least {}, or shutdown-timeout to at most {}",
                    GracefulShutdownConfiguration.PREFIX, format(grace), longest.method.options().group(), format(timeout),
                    over, format(grace), format(timeout), GracefulShutdownConfiguration.PREFIX, format(timeout), format(grace));
        }
    }

    /** {@code 30s}, {@code 1500ms}: as the properties are written. */
    private static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    @Override
    public synchronized OptionalLong reportActiveTasks() {
        long inFlight = 0;
        for (Registration r : registrations.values()) {
            Subscription s = r.subscription;
            if (s != null && !s.state().isTerminal()) {
                inFlight += s.inFlight();
            }
        }
        return OptionalLong.of(inFlight);
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
            return new SubscriptionInfo(r.id, m.name(), m.connection(), m.options(), false, Optional.empty(), Optional.empty(),
                    false, 0, Optional.empty());
        }
        return new SubscriptionInfo(r.id, m.name(), m.connection(), m.options(), true, Optional.of(s.state()),
                Optional.of(s.stateSince()), s.paused(), s.inFlight(), s.lastError());
    }
}
