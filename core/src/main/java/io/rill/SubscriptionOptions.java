package io.rill;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;

/**
 * Everything that defines a subscription: which streams, which group, which consumer, and how to read,
 * dispatch and acknowledge. Immutable; built and validated by {@link #builder()}. Validation messages
 * start with the option's name as it appears in configuration ({@code batch-size}, ...).
 *
 * @param streams          the stream keys read together, in this order; at least one
 * @param group            the consumer group
 * @param consumer         this consumer's name within the group; null only with a checkpoint directory, which
 *                         then derives and keeps one (a running {@link Subscription} reports the name in use)
 * @param batchSize        the COUNT of each XREADGROUP, per stream
 * @param blockTimeout     how long a read waits for new entries before asking again
 * @param concurrency      how many handler calls run at once
 * @param orderingKey      with concurrency &gt; 1, the field whose equal values are handled in stream order; null for none
 * @param maxInFlight      the most entries read but not yet acknowledged (or failed) at any time
 * @param startPosition    where a group Rill creates starts
 * @param autoCreate       create a missing group (with MKSTREAM) instead of failing
 * @param ackFlushSize     pending acks of one stream that trigger an XACK at once
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
        CheckpointOptions checkpoint) {

    public static final int DEFAULT_BATCH_SIZE = 100;
    public static final Duration DEFAULT_BLOCK_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_CONCURRENCY = 1;
    public static final int DEFAULT_MAX_IN_FLIGHT = 1000;
    public static final int DEFAULT_ACK_FLUSH_SIZE = 100;
    public static final Duration DEFAULT_ACK_FLUSH_INTERVAL = Duration.ofMillis(50);
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    /** No handler-timeout: a handler call may run as long as it likes (its lease is bounded by reclaim.max-lease). */
    public static final Duration NO_HANDLER_TIMEOUT = Duration.ZERO;

    static final int MAX_BATCH_SIZE = 100_000;
    static final int MAX_CONCURRENCY = 4096;

    public SubscriptionOptions {
        if (streams == null || streams.isEmpty()) {
            throw new IllegalArgumentException("streams must name at least one stream key");
        }
        streams = List.copyOf(streams);
        if (new HashSet<>(streams).size() != streams.size()) {
            throw new IllegalArgumentException("streams must not repeat a key, was " + streams);
        }
        for (String stream : streams) {
            Options.name("streams", stream);
        }
        Options.name("group", group);
        Options.set("checkpoint", checkpoint);
        if (consumer != null || checkpoint.directory() == null) {
            if (consumer == null) {
                throw new IllegalArgumentException("consumer must be set to a non-blank name, or left unset with "
                        + "checkpoint.directory set, so that a name is derived from the host and kept there");
            }
            Options.name("consumer", consumer);
        }
        Options.range("batch-size", batchSize, 1, MAX_BATCH_SIZE);
        Options.positive("block-timeout", blockTimeout);
        if (blockTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("block-timeout must be at least 1ms (Redis counts BLOCK in ms), was " + blockTimeout);
        }
        Options.range("concurrency", concurrency, 1, MAX_CONCURRENCY);
        if (orderingKey != null) {
            if (orderingKey.isBlank()) {
                throw new IllegalArgumentException("ordering-key must be a field name or unset, was blank");
            }
            if (concurrency == 1) {
                throw new IllegalArgumentException("ordering-key '" + orderingKey
                        + "' has no effect with concurrency 1 (everything is handled in stream order): "
                        + "set concurrency > 1 or remove ordering-key");
            }
        }
        Options.range("max-in-flight", maxInFlight, streams.size(), Integer.MAX_VALUE);
        Options.set("start-position", startPosition);
        Options.range("ack-flush-size", ackFlushSize, 1, MAX_BATCH_SIZE);
        Options.positive("ack-flush-interval", ackFlushInterval);
        Options.set("backoff", backoff);
        Options.notNegative("shutdown-timeout", shutdownTimeout);
        if (handlerTimeout == null || handlerTimeout.isNegative()) {
            throw new IllegalArgumentException("handler-timeout must be a duration above 0, or 0 for no limit, was "
                    + handlerTimeout);
        }
        if (!handlerTimeout.isZero() && handlerTimeout.toMillis() < 10) {
            throw new IllegalArgumentException("handler-timeout must be at least 10ms (it is checked every quarter of it), "
                    + "was " + handlerTimeout + ": raise it, or set 0 for no limit");
        }
        Options.set("retry", retry);
        Options.set("reclaim", reclaim);
        Options.set("dead-letter", deadLetter);
        Options.set("janitor", janitor);
        if (deadLetter.enabled()) {
            for (String stream : streams) {
                String dlq = deadLetter.streamFor(stream);
                if (streams.contains(dlq)) {
                    throw new IllegalArgumentException("dead-letter.stream '" + dlq + "' (for stream '" + stream
                            + "') is also read by this subscription: dead letters would be handled again; "
                            + "set dead-letter.stream to a key that is not read");
                }
            }
        }
        if (janitor.enabled() && janitor.inactiveThreshold().compareTo(blockTimeout) <= 0) {
            throw new IllegalArgumentException("janitor.inactive-threshold must exceed block-timeout (" + blockTimeout
                    + "), was " + janitor.inactiveThreshold() + ": a live consumer waiting in a blocking read looks "
                    + "inactive that long; raise janitor.inactive-threshold");
        }
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
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private StartPosition startPosition = StartPosition.LATEST;
        private boolean autoCreate = true;
        private int ackFlushSize = DEFAULT_ACK_FLUSH_SIZE;
        private Duration ackFlushInterval = DEFAULT_ACK_FLUSH_INTERVAL;
        private Backoff backoff = Backoff.DEFAULT;
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
        private Duration handlerTimeout = NO_HANDLER_TIMEOUT;
        private RetryOptions retry = RetryOptions.DEFAULT;
        private ReclaimOptions reclaim = ReclaimOptions.DEFAULT;
        private DeadLetterOptions deadLetter = DeadLetterOptions.DEFAULT;
        private JanitorOptions janitor = JanitorOptions.DEFAULT;
        private CheckpointOptions checkpoint = CheckpointOptions.OFF;

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
            maxInFlight = o.maxInFlight;
            startPosition = o.startPosition;
            autoCreate = o.autoCreate;
            ackFlushSize = o.ackFlushSize;
            ackFlushInterval = o.ackFlushInterval;
            backoff = o.backoff;
            shutdownTimeout = o.shutdownTimeout;
            handlerTimeout = o.handlerTimeout;
            retry = o.retry;
            reclaim = o.reclaim;
            deadLetter = o.deadLetter;
            janitor = o.janitor;
            checkpoint = o.checkpoint;
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

        /** Entries read but not yet acknowledged, at least one per stream. Default 1000. */
        public Builder maxInFlight(int maxInFlight) {
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

        /** Acks of one stream that trigger an XACK without waiting for the interval. Default 100. */
        public Builder ackFlushSize(int ackFlushSize) {
            this.ackFlushSize = ackFlushSize;
            return this;
        }

        /** The longest an ack waits before it is sent. Default 50 ms. */
        public Builder ackFlushInterval(Duration ackFlushInterval) {
            this.ackFlushInterval = ackFlushInterval;
            return this;
        }

        /** Waits between attempts while Redis fails. Default {@link Backoff#DEFAULT}. */
        public Builder backoff(Backoff backoff) {
            this.backoff = backoff;
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
            return this;
        }

        /** Reclaim of stale pending entries and lease renewal. Default {@link ReclaimOptions#DEFAULT}. */
        public Builder reclaim(ReclaimOptions reclaim) {
            this.reclaim = reclaim;
            return this;
        }

        /** Where entries that keep failing go. Default {@link DeadLetterOptions#DEFAULT}: {@code <stream>:dlq} after 5 deliveries. */
        public Builder deadLetter(DeadLetterOptions deadLetter) {
            this.deadLetter = deadLetter;
            return this;
        }

        /** Cleanup of the group's dead consumers. Default {@link JanitorOptions#DEFAULT}. */
        public Builder janitor(JanitorOptions janitor) {
            this.janitor = janitor;
            return this;
        }

        /** The local ack journal and consumer identity. Default {@link CheckpointOptions#OFF}. */
        public Builder checkpoint(CheckpointOptions checkpoint) {
            this.checkpoint = checkpoint;
            return this;
        }

        public SubscriptionOptions build() {
            return new SubscriptionOptions(streams, group, consumer, batchSize, blockTimeout, concurrency,
                    orderingKey, maxInFlight, startPosition, autoCreate, ackFlushSize, ackFlushInterval, backoff,
                    shutdownTimeout, handlerTimeout,
                    retry, reclaim, deadLetter, janitor, checkpoint);
        }
    }
}
