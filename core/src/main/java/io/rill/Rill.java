package io.rill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.cluster.RedisClusterClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.rill.internal.checkpoint.Checkpoint;
import io.rill.internal.connect.ClusterConnector;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.connect.CommandTimeouts;
import io.rill.internal.connect.Failure;
import io.rill.internal.connect.SlotGroups;
import io.rill.internal.connect.RedisConnector;
import io.rill.internal.output.OutputCheck;
import io.rill.internal.output.Transactional;
import io.rill.deadletter.DeadLetters;
import io.rill.internal.pipeline.Pipeline;
import io.rill.internal.supervise.Supervisor;
import io.rill.tracing.Tracing;

/**
 * The entry point: subscribes handlers to consumer groups over one Redis and stops them gracefully.
 *
 * <pre>{@code
 * Rill rill = Rill.create(RedisClient.create("redis://localhost:6379"));
 * rill.subscribe(SubscriptionOptions.builder().streams("orders").group("billing").consumer("billing-1").build(),
 *         entry -> bill(entry.fields()));
 * ...
 * rill.close(); // stops every subscription gracefully
 * }</pre>
 *
 * Each subscription reads on a connection of its own; acks and admin commands of all subscriptions
 * share one more. The {@link RedisClient} stays the caller's: closing Rill does not shut it down.
 *
 * <p>Over a {@link RedisClusterClient} ({@link #create(RedisClusterClient)}) every connection goes to the
 * master serving one hash slot: each subscription reads, and acks, on the master of its streams' slot,
 * with one command connection per slot. A subscription whose streams lie in several slots runs as one
 * subscription per slot (see {@link #subscribe}); a stream's dead-letter stream must share its slot.
 */
public final class Rill implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Rill.class);
    /** The most subscribe waits for Redis to answer the probe of transactional outputs (slot rule). */
    private static final Duration PROBE_WAIT = Duration.ofSeconds(5);

    private final RedisConnector connector;
    private final AbstractRedisClient client;
    /** Over a cluster: connections to the master of a slot; null for a standalone (or Sentinel) client. */
    private final ClusterConnector cluster;
    /** Over a cluster: a command connection per slot, opened on first use. */
    private final Map<Integer, CommandConnection> slotCommands = new ConcurrentHashMap<>();
    /** Null when none was given. */
    private final MeterRegistry registry;
    private final Tracing tracing;
    private final CommandConnection commands;
    private final ScheduledThreadPoolExecutor timer;
    private final Map<String, Supervisor> subscriptions = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private Rill(Builder builder) {
        this.connector = builder.connector;
        this.client = builder.client;
        this.cluster = builder.cluster;
        this.registry = builder.registry; // null: no meters, and handler calls are not timed
        this.tracing = builder.tracing;
        this.commands = new CommandConnection(connector);
        this.timer = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().name("rill-timer").daemon().unstarted(r));
        this.timer.setRemoveOnCancelPolicy(true);
    }

    /** A Rill over a standalone Redis, without metrics. */
    public static Rill create(RedisClient client) {
        return builder(client).build();
    }

    public static Builder builder(RedisClient client) {
        return new Builder(Objects.requireNonNull(client, "client"));
    }

    /**
     * A Rill over a Redis Cluster, without metrics: every subscription reads and acks on the master that
     * serves its streams' slot, and follows the slot after a failover.
     */
    public static Rill create(RedisClusterClient client) {
        return builder(client).build();
    }

    /** As {@link #builder(RedisClient)}, over a Redis Cluster. */
    public static Builder builder(RedisClusterClient client) {
        return new Builder(Objects.requireNonNull(client, "client"));
    }

    /** Starts a subscription whose handler takes one entry at a time. */
    public Subscription subscribe(SubscriptionOptions options, EntryHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return start(options, handler);
    }

    /** Starts a subscription whose handler takes the entries of a read together. */
    public Subscription subscribeBatch(SubscriptionOptions options, BatchHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return start(options, handler);
    }

    /**
     * Starts a subscription whose handler returns the entries to write for each input (semantics 12): Rill
     * writes them and acknowledges the input in one atomic step, batched with other inputs, so a crash yields
     * them once or not at all, and an input handled again after a crash (or by two consumers after a
     * reclaim) has its outputs written once. {@code outputStreams} names every stream the handler may write
     * to; an output to another one fails its input. On a Redis Cluster they must share the hash slot of
     * the input streams; subscribe checks this against the server (or before the first read when Redis is
     * not reachable yet) and fails naming the keys and the hash-tag fix.
     *
     * @throws IllegalArgumentException when the outputs and inputs of a cluster do not share a hash slot
     */
    public Subscription subscribeWithOutputs(SubscriptionOptions options, Set<String> outputStreams, OutputHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return start(options, transactional(options, outputStreams, handler));
    }

    /** As {@link #subscribeWithOutputs}, with the entries of a read handed over together. */
    public Subscription subscribeBatchWithOutputs(SubscriptionOptions options, Set<String> outputStreams,
            OutputBatchHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return start(options, transactional(options, outputStreams, handler));
    }

    private Transactional transactional(SubscriptionOptions options, Set<String> outputStreams, Object handler) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(outputStreams, "outputStreams");
        if (outputStreams.isEmpty()) {
            throw new IllegalArgumentException("outputStreams is empty: name the streams the handler writes to");
        }
        outputStreams.forEach(stream -> Options.name("output stream", stream));
        if (options.replicaAcks() > 0) {
            // a failover that loses a commit loses its outputs with it and the input is handled again, so the
            // outputs stay once in the Redis that survives; WAIT would only spare that re-run
            throw new IllegalArgumentException("replica-acks is " + options.replicaAcks() + ", but output commits "
                    + "(semantics 12) do not wait for replicas: set replica-acks to 0 for a subscription with outputs "
                    + "(a commit a failover loses is lost whole, its input is handled again and its outputs written once)");
        }
        // the keys read: a partitioned stream's partitions
        List<String> inputs = options.streamKeys();
        for (String stream : outputStreams) {
            if (inputs.contains(stream)) {
                throw new IllegalArgumentException("output stream '" + stream + "' is also an input stream of the "
                        + "subscription: a handler that feeds its own input never ends; write to another stream");
            }
        }
        OutputCheck check = new OutputCheck(inputs, outputStreams, "streams " + inputs + " group " + options.group());
        if (!closed) {
            Duration wait = client.getOptions().getSocketOptions().getConnectTimeout();
            check.atSubscribe(commandsFor(inputs.getFirst()), wait.compareTo(PROBE_WAIT) > 0 ? PROBE_WAIT : wait);
        }
        return new Transactional(handler, outputStreams, check);
    }

    /**
     * The dead letters in one dead-letter stream, to list and redrive. The stream of entries from
     * {@code orders} is {@code options.deadLetter().streamFor("orders")}, {@code orders:dlq} by default.
     */
    public DeadLetters deadLetters(String deadLetterStream) {
        Options.name("dead-letter stream", deadLetterStream);
        if (closed) {
            throw new IllegalStateException("Rill is closed");
        }
        return new DeadLetters(commandsFor(deadLetterStream), deadLetterStream);
    }

    /**
     * Moves consumer group {@code group} of {@code stream} to {@code position} ({@code XGROUP SETID}): the
     * group's next read of new entries starts there, on every consumer of the group. Back in the stream it
     * replays (entries after the position are delivered again, acknowledged or not, dead-lettered ones
     * included, since a dead letter's original stays in the stream); forward it skips (entries before the
     * position that were never delivered are never delivered to this group).
     *
     * <p>The pending entries list is left as it is: entries pending stay pending, with their consumer,
     * delivery count and failure count, and are acknowledged, retried, claimed and dead-lettered as before.
     * A replay that passes over a pending entry hands it out again with the new entries: Redis gives it to
     * the consumer that reads it, with a delivery count of 1 (an entry still in flight here is not handed to
     * a handler twice).
     *
     * <p>Every subscription of this Rill that reads {@code group} on {@code stream} must be {@linkplain
     * Subscription#pause() paused}, so that the move falls between two of its reads; {@link Subscription#resume()}
     * then reads its own pending entries and goes on from the new position. Consumers of the group in other
     * processes are not seen from here: pause or stop them too, or each goes on from the new position
     * with its next read (a read blocked in Redis at the time returns first).
     *
     * @throws IllegalStateException    when a subscription of this Rill reads the group on the stream and is
     *                                  not paused (the group is left where it was), or Rill is closed
     * @throws IllegalArgumentException when the stream or the group does not exist: seek moves an existing
     *                                  group; a new one starts at its {@code start-position}
     */
    public void seek(String stream, String group, StartPosition position) {
        Options.name("stream", stream);
        Options.name("group", group);
        Options.set("position", position);
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("Rill is closed");
            }
            List<String> reading = subscriptions.values().stream()
                    .filter(s -> s.options().group().equals(group) && s.options().streams().contains(stream) && !s.paused())
                    .map(Supervisor::id).sorted().toList();
            if (!reading.isEmpty()) {
                throw new IllegalStateException("cannot seek group '" + group + "' on stream '" + stream + "' while "
                        + reading + " read" + (reading.size() == 1 ? "s" : "") + " it: pause "
                        + (reading.size() == 1 ? "it" : "them") + " first, seek, then resume");
            }
        }
        try {
            commandsFor(stream).async().xgroupSetid(StreamOffset.from(stream, position.id()), group).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while moving group '" + group + "' on stream '" + stream + "'", e);
        } catch (ExecutionException e) {
            Throwable cause = Failure.unwrap(e);
            String message = String.valueOf(cause.getMessage());
            if (cause instanceof RedisCommandExecutionException && message.startsWith("NOGROUP")) {
                throw new IllegalArgumentException("group '" + group + "' does not exist on stream '" + stream + "': seek "
                        + "moves an existing group; a group Rill creates starts at its start-position", cause);
            }
            if (cause instanceof RedisCommandExecutionException && message.contains("requires the key to exist")) {
                throw new IllegalArgumentException("stream '" + stream + "' does not exist: seek moves an existing group",
                        cause);
            }
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        }
        log.info("Moved group '{}' on stream '{}' to {} (XGROUP SETID {})", group, stream, position, position.id());
    }

    /**
     * Starts a subscription whose handler settles each entry itself through an {@link Acknowledgement}:
     * an entry stays in flight until it is acked or nacked, which may happen after the handler returned.
     */
    public Subscription subscribeManual(SubscriptionOptions options, ManualHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return start(options, handler);
    }

    /** As {@link #subscribeManual}, with the entries of a read handed over and settled together. */
    public Subscription subscribeBatchManual(SubscriptionOptions options, ManualBatchHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return start(options, handler);
    }

    private synchronized Subscription start(SubscriptionOptions options, Object handler) {
        Objects.requireNonNull(options, "options");
        if (closed) {
            throw new IllegalStateException("Rill is closed");
        }
        CommandTimeouts.check(client.getOptions(), options.blockTimeout());
        // a partitioned stream is read as its partitions; the caller's options stay as given
        SubscriptionOptions physical = options.partitions() == 1 ? options
                : options.toBuilder().streams(options.streamKeys()).partitions(1).build();
        if (cluster != null) {
            List<SubscriptionOptions> perSlot = SlotGroups.split(physical);
            if (perSlot.size() > 1) {
                List<Subscription> parts = new ArrayList<>();
                try {
                    for (SubscriptionOptions part : perSlot) {
                        parts.add(startOne(part, handler));
                    }
                } catch (RuntimeException e) {
                    parts.forEach(Subscription::close);
                    throw e;
                }
                log.info("Subscription of group '{}' consumer '{}' to {} runs as {} subscriptions, one per hash slot",
                        options.group(), options.consumer(), options.streams(), parts.size());
                return new SlotGroups.Composite(options, parts);
            }
        }
        return startOne(physical, handler);
    }

    private Subscription startOne(SubscriptionOptions options, Object handler) {
        for (Supervisor running : subscriptions.values()) {
            SubscriptionOptions other = running.options();
            if (other.group().equals(options.group()) && other.consumer().equals(options.consumer())
                    && other.streams().stream().anyMatch(options.streams()::contains)) {
                throw new IllegalArgumentException("consumer '" + options.consumer() + "' of group '" + options.group()
                        + "' already reads " + other.streams() + " here: two subscriptions would share one pending list; "
                        + "give each its own consumer name");
            }
        }
        // claims the consumer identity (deriving the name when none is configured) and opens the journal;
        // fails here when another process holds the identity
        Checkpoint checkpoint = Checkpoint.open(options);
        Supervisor[] self = new Supervisor[1];
        Supervisor supervisor;
        try {
            SubscriptionOptions resolved = options.consumer() != null ? options
                    : options.toBuilder().consumer(checkpoint.consumer()).build();
            String first = resolved.streams().getFirst();
            supervisor = Pipeline.build(resolved, handler, connectorFor(first), commandsFor(first), registry, timer, checkpoint,
                    tracing, () -> subscriptions.remove(self[0].id(), self[0]));
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
        self[0] = supervisor;
        subscriptions.put(supervisor.id(), supervisor);
        supervisor.start();
        return supervisor;
    }

    /** Standalone: the one connector; cluster: one to the master of {@code key}'s slot. */
    private RedisConnector connectorFor(String key) {
        return cluster == null ? connector : cluster.forKey(key);
    }

    /** Standalone: the one command connection; cluster: the one of {@code key}'s slot. */
    private CommandConnection commandsFor(String key) {
        if (cluster == null) {
            return commands;
        }
        return slotCommands.computeIfAbsent(ClusterConnector.slot(key), slot -> new CommandConnection(cluster.forKey(key)));
    }

    /** The tracing given to the builder, {@link Tracing#off()} by default: producers write its fields. */
    public Tracing tracing() {
        return tracing;
    }

    /** The subscriptions started here and not yet stopped. */
    public List<Subscription> subscriptions() {
        return List.copyOf(subscriptions.values());
    }

    /** Stops every subscription, each within its own shutdown timeout, then releases connections and threads. */
    @Override
    public void close() {
        close(null);
    }

    /** As {@link #close()}, with one timeout for all subscriptions. */
    public void close(Duration timeout) {
        List<Supervisor> running;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = new ArrayList<>(subscriptions.values());
        }
        // stop them side by side so that the slowest, not the sum, bounds the wait
        List<Thread> stoppers = new ArrayList<>();
        for (Supervisor supervisor : running) {
            Duration t = timeout != null ? timeout : supervisor.options().shutdownTimeout();
            stoppers.add(Thread.ofPlatform().name("rill-stop-" + supervisor.id()).start(() -> supervisor.close(t)));
        }
        for (Thread stopper : stoppers) {
            try {
                stopper.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        timer.shutdownNow();
        commands.close();
        slotCommands.values().forEach(CommandConnection::close);
        log.info("Rill closed ({} subscriptions stopped)", running.size());
    }

    /** Builds a {@link Rill}. */
    public static final class Builder {
        private final AbstractRedisClient client;
        private final RedisConnector connector;
        private final ClusterConnector cluster;
        private MeterRegistry registry;
        private Tracing tracing = Tracing.off();

        private Builder(RedisClient client) {
            this.client = client;
            this.connector = RedisConnector.of(client);
            this.cluster = null;
        }

        private Builder(RedisClusterClient client) {
            this.client = client;
            this.cluster = new ClusterConnector(client);
            // never used: every stage, seek and dead letters go through the connection of their slot
            this.connector = new RedisConnector() {
                @Override
                public <V> io.lettuce.core.api.StatefulRedisConnection<String, V> connect(
                        io.lettuce.core.codec.RedisCodec<String, V> codec) {
                    throw new IllegalStateException("over a cluster every connection belongs to a slot");
                }
            };
        }

        /**
         * Where the subscriptions' meters go; none when unset (then handler calls are not timed either: no clock
         * read per entry).
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        /**
         * Trace context through Redis: every handler call runs in the span it opens, e.g.
         * {@code OpenTelemetryTracing.create(openTelemetry)}; {@link Tracing#off()} (the default) for none.
         */
        public Builder tracing(Tracing tracing) {
            this.tracing = Objects.requireNonNull(tracing, "tracing");
            return this;
        }

        public Rill build() {
            return new Rill(this);
        }
    }
}
