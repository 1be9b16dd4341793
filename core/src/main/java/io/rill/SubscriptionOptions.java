package io.rill;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;

/**
 * Everything that defines a subscription: which streams, which group, which consumer, and how to read,
 * dispatch and acknowledge. Immutable; built and validated by {@link #builder()}. Every option is a row of
 * {@link OptionTable} (key, type, default, rule); a value that fails validation throws an
 * {@link InvalidOptionException} carrying the option's key, and its message starts with that key
 * ({@code batch-size must be between 1 and 100000, was 0}).
 *
 * @param streams          the stream keys read together, in this order; at least one
 * @param group            the consumer group
 * @param consumer         this consumer's name within the group; null only with a checkpoint directory, which
 *                         then derives and keeps one (a running {@link Subscription} reports the name in use)
 * @param batchSize        the COUNT of each XREADGROUP, per stream
 * @param blockTimeout     how long a read waits for new entries before asking again
 * @param concurrency      how many handler calls run at once
 * @param orderingKey      with concurrency &gt; 1, the field whose equal values are handled in stream order; null for none
 * @param maxInFlight      the most entries read but not yet acknowledged (or failed) at any time; by default
 *                         {@link #defaultMaxInFlight 4 × batchSize per stream read, at least 1000}
 * @param startPosition    where a group Rill creates starts
 * @param autoCreate       create a missing group (with MKSTREAM) instead of failing
 * @param ackFlushSize     pending acks of one stream that trigger an XACK (at once, or when the stream's previous XACK is
 *                         answered); by default {@link #defaultAckFlushSize batchSize, at least 100, at most a quarter of
 *                         maxInFlight}
 * @param ackFlushInterval the longest an ack waits to be flushed
 * @param backoff          how a subscription waits between attempts while Redis fails
 * @param shutdownTimeout  how long a graceful stop waits for in-flight handlers and acks; {@code close()} returns
 *                         within it
 * @param handlerTimeout   the longest one handler call may run: past it the call is interrupted and its entries
 *                         count as failed (semantics 7); {@link Duration#ZERO} (the default) for no limit
 * @param retry            in-process retries of a failing handler
 * @param reclaim          reclaim of stale pending entries, and lease renewal of the ones held here
 * @param deadLetter       where entries that keep failing go
 * @param janitor          cleanup of the group's dead consumers
 * @param checkpoint       the local ack journal and consumer identity (semantics 4, 5); {@link CheckpointOptions#OFF} by default
 * @param partitions       1 (the default): each stream is read as named; n &gt; 1: each stream is a logical stream read as
 *                         its n partitions {@code name:{0}} … {@code name:{n-1}} ({@link PartitionedStream}, semantics 13)
 * @param replicaAcks      0 (the default): an XACK is done when the master answers; n &gt; 0: each ack flush is followed by
 *                         {@code WAIT n}, and the entries count as acknowledged only once n replicas have the XACK
 * @param replicaAckTimeout with replicaAcks: the WAIT's timeout; fewer replicas by then and the XACK is sent again
 */
public record SubscriptionOptions(
        List<String> streams,
        String group,
        String consumer,
        int batchSize,
        Duration blockTimeout,
        int concurrency,
        String orderingKey,
        int maxInFlight,
        StartPosition startPosition,
        boolean autoCreate,
        int ackFlushSize,
        Duration ackFlushInterval,
        Backoff backoff,
        Duration shutdownTimeout,
        Duration handlerTimeout,
        RetryOptions retry,
        ReclaimOptions reclaim,
        DeadLetterOptions deadLetter,
        JanitorOptions janitor,
        CheckpointOptions checkpoint,
        int partitions,
        int replicaAcks,
        Duration replicaAckTimeout) {

    public static final int DEFAULT_BATCH_SIZE = OptionTable.BATCH_SIZE.defaultValue();
    public static final Duration DEFAULT_BLOCK_TIMEOUT = OptionTable.BLOCK_TIMEOUT.defaultValue();
    public static final int DEFAULT_CONCURRENCY = OptionTable.CONCURRENCY.defaultValue();
    /** The least default {@code max-in-flight}, for small batches. */
    public static final int MIN_DEFAULT_MAX_IN_FLIGHT = 1000;
    /** The least default {@code ack-flush-size}, for small batches in a large enough window. */
    public static final int MIN_DEFAULT_ACK_FLUSH_SIZE = 100;
    public static final Duration DEFAULT_ACK_FLUSH_INTERVAL = OptionTable.ACK_FLUSH_INTERVAL.defaultValue();
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = OptionTable.SHUTDOWN_TIMEOUT.defaultValue();
    /** No handler-timeout: a handler call may run as long as it likes (its lease is bounded by reclaim.max-lease). */
    public static final Duration NO_HANDLER_TIMEOUT = OptionTable.HANDLER_TIMEOUT.defaultValue();

    static final int MAX_BATCH_SIZE = OptionTable.MAX_BATCH_SIZE;
    static final int MAX_CONCURRENCY = OptionTable.MAX_CONCURRENCY;

    /**
     * Checks every option (single values against {@link OptionTable}, then how they relate); a bad value fails
     * with an {@link InvalidOptionException} naming its option.
     */
    public SubscriptionOptions {
        if (streams == null || streams.isEmpty()) {
            throw new InvalidOptionException("streams", streams, "must name at least one stream key");
        }
        streams = List.copyOf(streams);
        if (new HashSet<>(streams).size() != streams.size()) {
            throw new InvalidOptionException("streams", streams, "must not repeat a key, was " + streams);
        }
        for (String stream : streams) {
            Options.name("streams", stream);
        }
        Options.name("group", group);
        Options.set("checkpoint", checkpoint);
        OptionTable.CONSUMER.check(consumer);
        if (consumer == null && checkpoint.directory() == null) {
            throw new InvalidOptionException("consumer", null, "must be set to a non-blank name, or left unset with {0} "
                    + "set, so that a name is derived from the host and kept there", "checkpoint.directory");
        }
        OptionTable.BATCH_SIZE.check(batchSize);
        OptionTable.BLOCK_TIMEOUT.check(blockTimeout);
        OptionTable.CONCURRENCY.check(concurrency);
        OptionTable.ORDERING_KEY.check(orderingKey);
        if (orderingKey != null && concurrency == 1) {
            throw new InvalidOptionException("ordering-key", orderingKey, "'" + orderingKey + "' has no effect with {0} 1 "
                    + "(everything is handled in stream order): set {0} > 1 or remove {1}", "concurrency", "ordering-key");
        }
        OptionTable.PARTITIONS.check(partitions);
        if (partitions > 1) {
            for (String stream : streams) {
                if (stream.indexOf('{') >= 0 || stream.indexOf('}') >= 0) {
                    throw new InvalidOptionException("partitions", partitions, "needs logical stream names without braces "
                            + "(the partitions' names carry the hash tag: '" + stream + ":{0}'), was '" + stream + "'");
                }
            }
        }
        OptionTable.REPLICA_ACKS.check(replicaAcks);
        OptionTable.REPLICA_ACK_TIMEOUT.check(replicaAckTimeout);
        OptionTable.MAX_IN_FLIGHT.check(maxInFlight);
        if (maxInFlight < streams.size() * partitions) {
            throw new InvalidOptionException("max-in-flight", maxInFlight, "must be at least one per stream read ("
                    + streams.size() * partitions + "), was " + maxInFlight);
        }
        OptionTable.START_POSITION.check(startPosition);
        OptionTable.ACK_FLUSH_SIZE.check(ackFlushSize);
        OptionTable.ACK_FLUSH_INTERVAL.check(ackFlushInterval);
        Options.set("backoff", backoff);
        OptionTable.SHUTDOWN_TIMEOUT.check(shutdownTimeout);
        OptionTable.HANDLER_TIMEOUT.check(handlerTimeout);
        Options.set("retry", retry);
        Options.set("reclaim", reclaim);
        Options.set("dead-letter", deadLetter);
        Options.set("janitor", janitor);
        if (deadLetter.enabled()) {
            for (String stream : streams) {
                String dlq = deadLetter.streamFor(stream);
                if (streams.contains(dlq)) {
                    throw new InvalidOptionException("dead-letter.stream", deadLetter.stream(), "'" + dlq + "' (for stream '"
                            + stream + "') is also read by this subscription: dead letters would be handled again; "
                            + "set {0} to a key that is not read", "dead-letter.stream");
                }
            }
        }
        if (janitor.enabled() && janitor.inactiveThreshold().compareTo(blockTimeout) <= 0) {
            throw new InvalidOptionException("janitor.inactive-threshold", janitor.inactiveThreshold(), "must exceed {0} ("
                    + blockTimeout + "), was " + janitor.inactiveThreshold() + ": a live consumer waiting in a blocking "
                    + "read looks inactive that long; raise {1}", "block-timeout", "janitor.inactive-threshold");
        }
    }

    /**
     * The keys read: {@link #streams()} as they are, or with {@link #partitions()} above 1 each stream's
     * partitions ({@code orders:{0}}, {@code orders:{1}}, …), stream by stream.
     */
    public List<String> streamKeys() {
        if (partitions == 1) {
            return streams;
        }
        return streams.stream().flatMap(s -> PartitionedStream.of(s, partitions).streams().stream()).toList();
    }

    /**
     * The {@code max-in-flight} used when none is set: 4 × {@code batchSize} per stream read, at least
     * {@value #MIN_DEFAULT_MAX_IN_FLIGHT}. Four batches because a batch is in the handler's hands while the next
     * read is on its way, and the acks of up to two more are still travelling (one XACK on the wire, the next
     * gathering behind it): a smaller window makes the reader wait for ack round trips, not for the handler.
     *
     * @param streamsRead the stream keys a read names (each partition counts)
     */
    public static int defaultMaxInFlight(int batchSize, int streamsRead) {
        long window = 4L * batchSize * Math.max(1, streamsRead);
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_DEFAULT_MAX_IN_FLIGHT, window));
    }

    /**
     * The {@code ack-flush-size} used when none is set: {@code batchSize}, at least
     * {@value #MIN_DEFAULT_ACK_FLUSH_SIZE}, at most a quarter of {@code maxInFlight} (and at least 1). One XACK
     * per batch handled, as a hand-written loop sends; a large batch's acks in runs of 100 cost Redis a command
     * each for nothing. The quarter keeps a batch in hand, a flush filling and one on the wire inside the window.
     */
    public static int defaultAckFlushSize(int batchSize, int maxInFlight) {
        return Math.max(1, Math.min(Math.max(batchSize, MIN_DEFAULT_ACK_FLUSH_SIZE), maxInFlight / 4));
    }

    /** A builder with every default set; streams, group and consumer (or a checkpoint directory) must be given. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options, to derive a variant. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link SubscriptionOptions}; {@link #build()} validates. */
    public static final class Builder {
        private List<String> streams = List.of();
        private String group;
        private String consumer;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private Duration blockTimeout = DEFAULT_BLOCK_TIMEOUT;
        private int concurrency = DEFAULT_CONCURRENCY;
        private String orderingKey;
        private Integer maxInFlight; // null: derived from batch-size and the streams read
        private StartPosition startPosition = OptionTable.START_POSITION.defaultValue();
        private boolean autoCreate = OptionTable.AUTO_CREATE.defaultValue();
        private Integer ackFlushSize; // null: derived from batch-size and max-in-flight
        private Duration ackFlushInterval = DEFAULT_ACK_FLUSH_INTERVAL;
        private Backoff backoff = Backoff.DEFAULT;
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
        private Duration handlerTimeout = NO_HANDLER_TIMEOUT;
        private RetryOptions retry = RetryOptions.DEFAULT;
        private ReclaimOptions reclaim = ReclaimOptions.DEFAULT;
        private DeadLetterOptions deadLetter = DeadLetterOptions.DEFAULT;
        private JanitorOptions janitor = JanitorOptions.DEFAULT;
        private CheckpointOptions checkpoint = CheckpointOptions.OFF;
        private int partitions = OptionTable.PARTITIONS.defaultValue();
        private int replicaAcks = OptionTable.REPLICA_ACKS.defaultValue();
        private Duration replicaAckTimeout = OptionTable.REPLICA_ACK_TIMEOUT.defaultValue();
        // options of the nested records set by key, over the record set last; built by build()
        private Backoff.Parts backoffParts;
        private RetryOptions.Builder retryOptions;
        private ReclaimOptions.Builder reclaimOptions;
        private DeadLetterOptions.Builder deadLetterOptions;
        private JanitorOptions.Builder janitorOptions;
        private CheckpointOptions.Builder checkpointOptions;

        private Builder() {
        }

        private Builder(SubscriptionOptions o) {
            streams = o.streams;
            group = o.group;
            consumer = o.consumer;
            batchSize = o.batchSize;
            blockTimeout = o.blockTimeout;
            concurrency = o.concurrency;
            orderingKey = o.orderingKey;
            // a derived value follows batch-size and the streams when the copy changes them
            maxInFlight = o.maxInFlight == defaultMaxInFlight(o.batchSize, o.streams.size() * o.partitions) ? null
                    : o.maxInFlight;
            startPosition = o.startPosition;
            autoCreate = o.autoCreate;
            ackFlushSize = o.ackFlushSize == defaultAckFlushSize(o.batchSize, o.maxInFlight) ? null : o.ackFlushSize;
            ackFlushInterval = o.ackFlushInterval;
            backoff = o.backoff;
            shutdownTimeout = o.shutdownTimeout;
            handlerTimeout = o.handlerTimeout;
            retry = o.retry;
            reclaim = o.reclaim;
            deadLetter = o.deadLetter;
            janitor = o.janitor;
            checkpoint = o.checkpoint;
            partitions = o.partitions;
            replicaAcks = o.replicaAcks;
            replicaAckTimeout = o.replicaAckTimeout;
        }

        public Builder streams(String... streams) {
            this.streams = List.of(streams);
            return this;
        }

        public Builder streams(List<String> streams) {
            this.streams = streams;
            return this;
        }

        public Builder group(String group) {
            this.group = group;
            return this;
        }

        /**
         * This consumer's name in the group. May be left unset when {@code checkpoint.directory} is set:
         * a name is then derived from the host and kept in the directory (semantics 5).
         */
        public Builder consumer(String consumer) {
            this.consumer = consumer;
            return this;
        }

        /** COUNT per read and per stream, 1..100000; lowered to the free in-flight capacity. Default 100. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** BLOCK of a read for new entries; at least 1 ms. Default 2 s. */
        public Builder blockTimeout(Duration blockTimeout) {
            this.blockTimeout = blockTimeout;
            return this;
        }

        /** Handler calls running at once, 1..4096. Default 1 (stream order). */
        public Builder concurrency(int concurrency) {
            this.concurrency = concurrency;
            return this;
        }

        /** With concurrency &gt; 1: entries with the same value of this field run in stream order. */
        public Builder orderingKey(String orderingKey) {
            this.orderingKey = orderingKey;
            return this;
        }

        /**
         * Entries read but not yet acknowledged, at least one per stream. Default 4 × batch-size per stream read
         * (partitions count as streams), at least 1000: see {@link SubscriptionOptions#defaultMaxInFlight}.
         */
        public Builder maxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
            return this;
        }

        /** The option table's setter: null goes back to the derived default. */
        Builder maxInFlightOrDerived(Integer maxInFlight) {
            this.maxInFlight = maxInFlight;
            return this;
        }

        /** Where a group Rill creates starts. Default {@link StartPosition#LATEST}. */
        public Builder startPosition(StartPosition startPosition) {
            this.startPosition = startPosition;
            return this;
        }

        /** Create missing groups (and streams). Default true. */
        public Builder autoCreate(boolean autoCreate) {
            this.autoCreate = autoCreate;
            return this;
        }

        /**
         * Acks of one stream that trigger an XACK without waiting for the interval. Default batch-size, at least 100,
         * at most a quarter of max-in-flight: see {@link SubscriptionOptions#defaultAckFlushSize}.
         */
        public Builder ackFlushSize(int ackFlushSize) {
            this.ackFlushSize = ackFlushSize;
            return this;
        }

        /** The option table's setter: null goes back to the derived default. */
        Builder ackFlushSizeOrDerived(Integer ackFlushSize) {
            this.ackFlushSize = ackFlushSize;
            return this;
        }

        /** The longest an ack waits before it is sent. Default 10 ms. */
        public Builder ackFlushInterval(Duration ackFlushInterval) {
            this.ackFlushInterval = ackFlushInterval;
            return this;
        }

        /** Waits between attempts while Redis fails. Default {@link Backoff#DEFAULT}. */
        public Builder backoff(Backoff backoff) {
            this.backoff = backoff;
            this.backoffParts = null;
            return this;
        }

        /**
         * How long a graceful stop waits for in-flight handlers and acks; {@code close()} returns within it,
         * whether Redis answers or not. Default 30 s.
         */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
            return this;
        }

        /**
         * The longest one handler call may run, at least 10 ms; 0 for no limit (the default). A call past it is
         * interrupted and its entries count as failed: one failure each, through the retry and dead-letter
         * policy, and their leases are no longer renewed. A worker that does not return from that interrupt
         * within 5 s fails the subscription.
         */
        public Builder handlerTimeout(Duration handlerTimeout) {
            this.handlerTimeout = handlerTimeout;
            return this;
        }

        /** In-process retries of a failing handler. Default {@link RetryOptions#DEFAULT}: 3 attempts. */
        public Builder retry(RetryOptions retry) {
            this.retry = retry;
            this.retryOptions = null;
            return this;
        }

        /** Reclaim of stale pending entries and lease renewal. Default {@link ReclaimOptions#DEFAULT}. */
        public Builder reclaim(ReclaimOptions reclaim) {
            this.reclaim = reclaim;
            this.reclaimOptions = null;
            return this;
        }

        /** Where entries that keep failing go. Default {@link DeadLetterOptions#DEFAULT}: {@code <stream>:dlq} after 5 deliveries. */
        public Builder deadLetter(DeadLetterOptions deadLetter) {
            this.deadLetter = deadLetter;
            this.deadLetterOptions = null;
            return this;
        }

        /** Cleanup of the group's dead consumers. Default {@link JanitorOptions#DEFAULT}. */
        public Builder janitor(JanitorOptions janitor) {
            this.janitor = janitor;
            this.janitorOptions = null;
            return this;
        }

        /** The local ack journal and consumer identity. Default {@link CheckpointOptions#OFF}. */
        public Builder checkpoint(CheckpointOptions checkpoint) {
            this.checkpoint = checkpoint;
            this.checkpointOptions = null;
            return this;
        }

        /**
         * Reads each stream as a logical stream of this many partitions, {@code name:{0}} … {@code name:{n-1}}
         * (see {@link PartitionedStream}), 1..1024. Default 1: the streams as named.
         */
        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        /**
         * After each ack flush, {@code WAIT} for this many replicas to have the XACK before the entries count as
         * acknowledged, so that a failover does not hand them out again. Default 0: no WAIT.
         */
        public Builder replicaAcks(int replicaAcks) {
            this.replicaAcks = replicaAcks;
            return this;
        }

        /** With {@link #replicaAcks(int)}: how long a WAIT waits; fewer replicas by then and the XACK is sent again. Default 1 s. */
        public Builder replicaAckTimeout(Duration replicaAckTimeout) {
            this.replicaAckTimeout = replicaAckTimeout;
            return this;
        }

        /**
         * Sets one option by its key in {@link OptionTable} ({@code batch-size}, {@code retry.backoff.initial}), as
         * frameworks do from their configuration; the value has the option's {@link Option#type()} (an exception
         * type list may hold class names). An option of a nested record is set over the record given last (by
         * {@link #retry(RetryOptions)}, ...), and a later call of that method replaces it. Values are checked by
         * {@link #build()}; a value of the wrong type, or an unknown key, fails here. Either way an
         * {@link InvalidOptionException} names the key.
         */
        public Builder option(String key, Object value) {
            OptionTable.get(key, value).set(this, value);
            return this;
        }

        Backoff.Parts backoffParts() {
            if (backoffParts == null) {
                backoffParts = new Backoff.Parts(backoff != null ? backoff : Backoff.DEFAULT);
            }
            return backoffParts;
        }

        RetryOptions.Builder retryOptions() {
            if (retryOptions == null) {
                retryOptions = (retry != null ? retry : RetryOptions.DEFAULT).toBuilder();
            }
            return retryOptions;
        }

        ReclaimOptions.Builder reclaimOptions() {
            if (reclaimOptions == null) {
                reclaimOptions = (reclaim != null ? reclaim : ReclaimOptions.DEFAULT).toBuilder();
            }
            return reclaimOptions;
        }

        DeadLetterOptions.Builder deadLetterOptions() {
            if (deadLetterOptions == null) {
                deadLetterOptions = (deadLetter != null ? deadLetter : DeadLetterOptions.DEFAULT).toBuilder();
            }
            return deadLetterOptions;
        }

        JanitorOptions.Builder janitorOptions() {
            if (janitorOptions == null) {
                janitorOptions = (janitor != null ? janitor : JanitorOptions.DEFAULT).toBuilder();
            }
            return janitorOptions;
        }

        CheckpointOptions.Builder checkpointOptions() {
            if (checkpointOptions == null) {
                checkpointOptions = (checkpoint != null ? checkpoint : CheckpointOptions.OFF).toBuilder();
            }
            return checkpointOptions;
        }

        public SubscriptionOptions build() {
            int window = maxInFlight != null ? maxInFlight
                    : defaultMaxInFlight(batchSize, streams.size() * Math.max(1, partitions));
            return new SubscriptionOptions(streams, group, consumer, batchSize, blockTimeout, concurrency,
                    orderingKey, window, startPosition, autoCreate,
                    ackFlushSize != null ? ackFlushSize : defaultAckFlushSize(batchSize, window), ackFlushInterval,
                    backoffParts != null ? backoffParts.build("") : backoff,
                    shutdownTimeout, handlerTimeout,
                    retryOptions != null ? retryOptions.build() : retry,
                    reclaimOptions != null ? reclaimOptions.build() : reclaim,
                    deadLetterOptions != null ? deadLetterOptions.build() : deadLetter,
                    janitorOptions != null ? janitorOptions.build() : janitor,
                    checkpointOptions != null ? checkpointOptions.build() : checkpoint,
                    partitions, replicaAcks, replicaAckTimeout);
        }
    }
}
