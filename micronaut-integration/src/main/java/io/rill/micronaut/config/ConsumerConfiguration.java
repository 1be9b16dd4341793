package io.rill.micronaut.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Nullable;
import io.rill.Backoff;
import io.rill.CheckpointOptions;
import io.rill.DeadLetterOptions;
import io.rill.JanitorOptions;
import io.rill.ReclaimOptions;
import io.rill.RetryOptions;
import io.rill.StartPosition;
import io.rill.SubscriptionOptions.Builder;

/**
 * {@code rill.consumers.<group>.*}: the core options of the subscriptions of one consumer group, and
 * {@code rill.consumers.default.*} for every group. Unset properties leave the value to the next layer
 * down: {@code @Stream} attributes override the group's entry, which overrides {@code default}, which
 * overrides the core's defaults. Values are validated by the core when a subscription is built.
 */
// Adding a core option: a field with a getter and setter here (the getter's Javadoc becomes the
// configuration metadata IDEs show), and one line in applyTo(). An option the core groups into a record
// (like backoff.*) also gets a Composite constant and a nested class.
@EachProperty(value = ConsumerConfiguration.PREFIX, primary = ConsumerConfiguration.DEFAULT)
public class ConsumerConfiguration {

    public static final String PREFIX = "rill.consumers";
    public static final String DEFAULT = "default";

    /** Assembles {@code backoff.*} over {@link Backoff#DEFAULT}. */
    public static final OptionSettings.Composite<Backoff> BACKOFF = new OptionSettings.Composite<>("backoff",
            parts -> new Backoff(parts.get("initial", Backoff.DEFAULT.initial()), parts.get("max", Backoff.DEFAULT.max()),
                    parts.get("multiplier", Backoff.DEFAULT.multiplier()), parts.get("jitter", Backoff.DEFAULT.jitter())),
            Builder::backoff);

    /** Assembles {@code retry.*} over {@link RetryOptions#DEFAULT}. */
    public static final OptionSettings.Composite<RetryOptions> RETRY = new OptionSettings.Composite<>("retry", parts -> {
        Backoff base = RetryOptions.DEFAULT_BACKOFF;
        RetryOptions.Builder retry = RetryOptions.builder()
                .maxAttempts(parts.get("max-attempts", RetryOptions.DEFAULT_MAX_ATTEMPTS))
                .backoff(new Backoff(parts.get("backoff.initial", base.initial()), parts.get("backoff.max", base.max()),
                        parts.get("backoff.multiplier", base.multiplier()), parts.get("backoff.jitter", base.jitter())));
        List<String> retryable = parts.get("retryable", null);
        if (retryable != null) {
            retry.retryable(exceptionTypes("retry.retryable", retryable));
        }
        List<String> nonRetryable = parts.get("non-retryable", null);
        if (nonRetryable != null) {
            retry.nonRetryable(exceptionTypes("retry.non-retryable", nonRetryable));
        }
        return retry.build();
    }, Builder::retry);

    /** Resolves exception class names; a message naming the option when one is not a Throwable on the classpath. */
    @SuppressWarnings("unchecked")
    private static Class<? extends Throwable>[] exceptionTypes(String option, List<String> names) {
        Class<? extends Throwable>[] types = new Class[names.size()];
        for (int i = 0; i < types.length; i++) {
            String name = names.get(i).trim();
            Class<?> type;
            try {
                type = Class.forName(name, false, ConsumerConfiguration.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException(option + " names '" + name + "', which is not a class on the "
                        + "classpath: give fully qualified exception class names");
            }
            if (!Throwable.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException(option + " names '" + name + "', which is not an exception type");
            }
            types[i] = (Class<? extends Throwable>) type;
        }
        return types;
    }

    /** Assembles {@code reclaim.*} over {@link ReclaimOptions#DEFAULT}. */
    public static final OptionSettings.Composite<ReclaimOptions> RECLAIM = new OptionSettings.Composite<>("reclaim", parts -> {
        ReclaimOptions.Builder reclaim = ReclaimOptions.builder()
                .enabled(parts.get("enabled", true))
                .interval(parts.get("interval", ReclaimOptions.DEFAULT_INTERVAL))
                .minIdle(parts.get("min-idle", ReclaimOptions.DEFAULT_MIN_IDLE))
                .count(parts.get("count", ReclaimOptions.DEFAULT_COUNT));
        Duration renewal = parts.get("lease-renewal-interval", null);
        if (renewal != null) {
            reclaim.leaseRenewalInterval(renewal);
        }
        Duration maxLease = parts.get("max-lease", null);
        if (maxLease != null) {
            reclaim.maxLease(maxLease); // unset: the core's default, which follows a long min-idle
        }
        return reclaim.build();
    }, Builder::reclaim);

    /** Assembles {@code dead-letter.*} over {@link DeadLetterOptions#DEFAULT}. */
    public static final OptionSettings.Composite<DeadLetterOptions> DEAD_LETTER = new OptionSettings.Composite<>("dead-letter", parts -> {
        DeadLetterOptions.Builder deadLetter = DeadLetterOptions.builder()
                .enabled(parts.get("enabled", true))
                .maxFailures(parts.get("max-failures", DeadLetterOptions.DEFAULT_MAX_FAILURES))
                .stream(parts.get("stream", null))
                .maxLength(parts.get("max-length", 0L))
                .failureTtl(parts.get("failure-ttl", DeadLetterOptions.DEFAULT_FAILURE_TTL));
        Integer maxDeliveries = parts.get("max-deliveries", null);
        if (maxDeliveries != null) {
            deadLetter.maxDeliveries(maxDeliveries); // unset: the core's default, which follows a higher max-failures
        }
        return deadLetter.build();
    }, Builder::deadLetter);

    /** Assembles {@code janitor.*} over {@link JanitorOptions#DEFAULT}. */
    public static final OptionSettings.Composite<JanitorOptions> JANITOR = new OptionSettings.Composite<>("janitor",
            parts -> JanitorOptions.builder()
                    .enabled(parts.get("enabled", true))
                    .interval(parts.get("interval", JanitorOptions.DEFAULT_INTERVAL))
                    .inactiveThreshold(parts.get("inactive-threshold", JanitorOptions.DEFAULT_INACTIVE_THRESHOLD))
                    .build(),
            Builder::janitor);

    /** Assembles {@code checkpoint.*} over {@link CheckpointOptions#OFF}. */
    public static final OptionSettings.Composite<CheckpointOptions> CHECKPOINT = new OptionSettings.Composite<>("checkpoint", parts -> {
        CheckpointOptions.Builder checkpoint = CheckpointOptions.builder()
                .directory(parts.get("directory", null))
                .fsyncInterval(parts.get("fsync-interval", CheckpointOptions.DEFAULT_FSYNC_INTERVAL));
        CheckpointOptions.Journal journal = parts.get("journal", null);
        if (journal != null) {
            checkpoint.journal(journal);
        }
        CheckpointOptions.Fsync fsync = parts.get("fsync", null);
        if (fsync != null) {
            checkpoint.fsync(fsync);
        }
        return checkpoint.build();
    }, Builder::checkpoint);

    private final String name;
    private String consumer;
    private Integer batchSize;
    private Duration blockTimeout;
    private Integer concurrency;
    private String orderingKey;
    private Integer maxInFlight;
    private String startPosition;
    private Boolean autoCreate;
    private Integer ackFlushSize;
    private Duration ackFlushInterval;
    private Duration shutdownTimeout;
    private Duration handlerTimeout;
    private BackoffConfiguration backoff = new BackoffConfiguration();
    private RetryConfiguration retry = new RetryConfiguration();
    private ReclaimConfiguration reclaim = new ReclaimConfiguration();
    private DeadLetterConfiguration deadLetter = new DeadLetterConfiguration();
    private JanitorConfiguration janitor = new JanitorConfiguration();
    private CheckpointConfiguration checkpoint = new CheckpointConfiguration();

    public ConsumerConfiguration(@Parameter String name) {
        this.name = name;
    }

    /** The group this entry configures, or {@code default}. */
    public String getName() {
        return name;
    }

    /** The property prefix of this entry, e.g. {@code rill.consumers.billing.}. */
    public String prefix() {
        return PREFIX + "." + name + ".";
    }

    /** Puts every option set here into {@code settings}, named by this entry's property paths. */
    public void applyTo(OptionSettings settings) {
        settings.layer(option -> prefix() + option)
                .set("consumer", consumer, Builder::consumer)
                .set("batch-size", batchSize, Builder::batchSize)
                .set("block-timeout", blockTimeout, Builder::blockTimeout)
                .set("concurrency", concurrency, Builder::concurrency)
                .set("ordering-key", orderingKey, Builder::orderingKey)
                .set("max-in-flight", maxInFlight, Builder::maxInFlight)
                .set("start-position", startPosition, (b, text) -> b.startPosition(StartPosition.parse(text)))
                .set("auto-create", autoCreate, Builder::autoCreate)
                .set("ack-flush-size", ackFlushSize, Builder::ackFlushSize)
                .set("ack-flush-interval", ackFlushInterval, Builder::ackFlushInterval)
                .set("shutdown-timeout", shutdownTimeout, Builder::shutdownTimeout)
                .set("handler-timeout", handlerTimeout, Builder::handlerTimeout)
                .setPart(BACKOFF, "initial", backoff.initial)
                .setPart(BACKOFF, "max", backoff.max)
                .setPart(BACKOFF, "multiplier", backoff.multiplier)
                .setPart(BACKOFF, "jitter", backoff.jitter)
                .setPart(RETRY, "max-attempts", retry.maxAttempts)
                .setPart(RETRY, "backoff.initial", retry.backoff.initial)
                .setPart(RETRY, "backoff.max", retry.backoff.max)
                .setPart(RETRY, "backoff.multiplier", retry.backoff.multiplier)
                .setPart(RETRY, "backoff.jitter", retry.backoff.jitter)
                .setPart(RETRY, "retryable", retry.retryable)
                .setPart(RETRY, "non-retryable", retry.nonRetryable)
                .setPart(RECLAIM, "enabled", reclaim.enabled)
                .setPart(RECLAIM, "interval", reclaim.interval)
                .setPart(RECLAIM, "min-idle", reclaim.minIdle)
                .setPart(RECLAIM, "count", reclaim.count)
                .setPart(RECLAIM, "lease-renewal-interval", reclaim.leaseRenewalInterval)
                .setPart(RECLAIM, "max-lease", reclaim.maxLease)
                .setPart(DEAD_LETTER, "enabled", deadLetter.enabled)
                .setPart(DEAD_LETTER, "max-failures", deadLetter.maxFailures)
                .setPart(DEAD_LETTER, "max-deliveries", deadLetter.maxDeliveries)
                .setPart(DEAD_LETTER, "stream", deadLetter.stream)
                .setPart(DEAD_LETTER, "max-length", deadLetter.maxLength)
                .setPart(DEAD_LETTER, "failure-ttl", deadLetter.failureTtl)
                .setPart(JANITOR, "enabled", janitor.enabled)
                .setPart(JANITOR, "interval", janitor.interval)
                .setPart(JANITOR, "inactive-threshold", janitor.inactiveThreshold)
                .setPart(CHECKPOINT, "journal", checkpoint.journal)
                .setPart(CHECKPOINT, "directory", checkpoint.directory)
                .setPart(CHECKPOINT, "fsync", checkpoint.fsync)
                .setPart(CHECKPOINT, "fsync-interval", checkpoint.fsyncInterval);
    }

    /**
     * This process's consumer name in the group. Default: derived from the host name and kept in
     * {@code checkpoint.directory} when that is set, else the host name.
     */
    public @Nullable String getConsumer() {
        return consumer;
    }

    public void setConsumer(@Nullable String consumer) {
        this.consumer = consumer;
    }

    /** COUNT per read and stream, 1..100000, lowered to the free in-flight capacity. Core default 100. */
    public @Nullable Integer getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(@Nullable Integer batchSize) {
        this.batchSize = batchSize;
    }

    /** BLOCK of a read for new entries, at least 1ms. Core default 2s. */
    public @Nullable Duration getBlockTimeout() {
        return blockTimeout;
    }

    public void setBlockTimeout(@Nullable Duration blockTimeout) {
        this.blockTimeout = blockTimeout;
    }

    /** Handler calls at once, 1..4096. Core default 1 (stream order). */
    public @Nullable Integer getConcurrency() {
        return concurrency;
    }

    public void setConcurrency(@Nullable Integer concurrency) {
        this.concurrency = concurrency;
    }

    /** With concurrency above 1: the field whose equal values are handled in stream order. */
    public @Nullable String getOrderingKey() {
        return orderingKey;
    }

    public void setOrderingKey(@Nullable String orderingKey) {
        this.orderingKey = orderingKey;
    }

    /** Entries read and not yet acknowledged or failed, at least one per stream. Core default 1000. */
    public @Nullable Integer getMaxInFlight() {
        return maxInFlight;
    }

    public void setMaxInFlight(@Nullable Integer maxInFlight) {
        this.maxInFlight = maxInFlight;
    }

    /**
     * Where a group Rill creates starts: latest ($), earliest (0), an entry ID (that entry on) or an ISO-8601
     * time (the entries added from then on). Core default LATEST.
     */
    public @Nullable String getStartPosition() {
        return startPosition;
    }

    public void setStartPosition(@Nullable String startPosition) {
        this.startPosition = startPosition;
    }

    /** Create missing groups and streams; off: a missing group fails the subscription. Core default true. */
    public @Nullable Boolean getAutoCreate() {
        return autoCreate;
    }

    public void setAutoCreate(@Nullable Boolean autoCreate) {
        this.autoCreate = autoCreate;
    }

    /** Acks of one stream that trigger an XACK at once, 1..100000. Core default 100. */
    public @Nullable Integer getAckFlushSize() {
        return ackFlushSize;
    }

    public void setAckFlushSize(@Nullable Integer ackFlushSize) {
        this.ackFlushSize = ackFlushSize;
    }

    /** The longest an ack waits before it is sent. Core default 50ms. */
    public @Nullable Duration getAckFlushInterval() {
        return ackFlushInterval;
    }

    public void setAckFlushInterval(@Nullable Duration ackFlushInterval) {
        this.ackFlushInterval = ackFlushInterval;
    }

    /**
     * How long a graceful stop waits for in-flight handlers and acks; a stop returns within it, whether Redis
     * answers or not. Core default 30s.
     */
    public @Nullable Duration getShutdownTimeout() {
        return shutdownTimeout;
    }

    public void setShutdownTimeout(@Nullable Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }

    /**
     * The longest one handler call may run, at least 10ms, or 0 for no limit: past it the call is interrupted
     * and its entries count as failed (retry and dead-letter policy apply), their leases no longer renewed; a
     * worker that does not return within 5s of the interrupt fails the subscription. Core default: 0 (no limit).
     */
    public @Nullable Duration getHandlerTimeout() {
        return handlerTimeout;
    }

    public void setHandlerTimeout(@Nullable Duration handlerTimeout) {
        this.handlerTimeout = handlerTimeout;
    }

    public BackoffConfiguration getBackoff() {
        return backoff;
    }

    public void setBackoff(BackoffConfiguration backoff) {
        this.backoff = backoff;
    }

    public RetryConfiguration getRetry() {
        return retry;
    }

    public void setRetry(RetryConfiguration retry) {
        this.retry = retry;
    }

    public ReclaimConfiguration getReclaim() {
        return reclaim;
    }

    public void setReclaim(ReclaimConfiguration reclaim) {
        this.reclaim = reclaim;
    }

    public DeadLetterConfiguration getDeadLetter() {
        return deadLetter;
    }

    public void setDeadLetter(DeadLetterConfiguration deadLetter) {
        this.deadLetter = deadLetter;
    }

    public JanitorConfiguration getJanitor() {
        return janitor;
    }

    public void setJanitor(JanitorConfiguration janitor) {
        this.janitor = janitor;
    }

    public CheckpointConfiguration getCheckpoint() {
        return checkpoint;
    }

    public void setCheckpoint(CheckpointConfiguration checkpoint) {
        this.checkpoint = checkpoint;
    }

    /** {@code rill.consumers.<group>.backoff.*}: waits between attempts while Redis fails. */
    @ConfigurationProperties("backoff")
    public static class BackoffConfiguration {
        private Duration initial;
        private Duration max;
        private Double multiplier;
        private Double jitter;

        /** The first wait, above 0. Core default 100ms. */
        public @Nullable Duration getInitial() {
            return initial;
        }

        public void setInitial(@Nullable Duration initial) {
            this.initial = initial;
        }

        /** The longest wait, at least the initial one. Core default 10s. */
        public @Nullable Duration getMax() {
            return max;
        }

        public void setMax(@Nullable Duration max) {
            this.max = max;
        }

        /** Growth per attempt, at least 1. Core default 2. */
        public @Nullable Double getMultiplier() {
            return multiplier;
        }

        public void setMultiplier(@Nullable Double multiplier) {
            this.multiplier = multiplier;
        }

        /** The randomized fraction of each wait, 0..1. Core default 0.5. */
        public @Nullable Double getJitter() {
            return jitter;
        }

        public void setJitter(@Nullable Double jitter) {
            this.jitter = jitter;
        }
    }

    /** {@code rill.consumers.<group>.retry.*}: in-process retries of a failing handler. */
    @ConfigurationProperties("retry")
    public static class RetryConfiguration {
        private Integer maxAttempts;
        private List<String> retryable;
        private List<String> nonRetryable;
        private RetryBackoffConfiguration backoff = new RetryBackoffConfiguration();

        /** Handler calls per delivery, the first included, 1..1000; 1 means no retries. Core default 3. */
        public @Nullable Integer getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(@Nullable Integer maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        /** Fully qualified exception types worth another attempt (subclasses included). Core default: every Throwable. */
        public @Nullable List<String> getRetryable() {
            return retryable;
        }

        public void setRetryable(@Nullable List<String> retryable) {
            this.retryable = retryable;
        }

        /** Fully qualified exception types never retried; dead-lettered at once when dead letters are on. Core default: none. */
        public @Nullable List<String> getNonRetryable() {
            return nonRetryable;
        }

        public void setNonRetryable(@Nullable List<String> nonRetryable) {
            this.nonRetryable = nonRetryable;
        }

        public RetryBackoffConfiguration getBackoff() {
            return backoff;
        }

        public void setBackoff(RetryBackoffConfiguration backoff) {
            this.backoff = backoff;
        }

        /** {@code rill.consumers.<group>.retry.backoff.*}: the wait before each retry. */
        @ConfigurationProperties("backoff")
        public static class RetryBackoffConfiguration {
            private Duration initial;
            private Duration max;
            private Double multiplier;
            private Double jitter;

            /** The wait before the first retry, above 0. Core default 100ms. */
            public @Nullable Duration getInitial() {
                return initial;
            }

            public void setInitial(@Nullable Duration initial) {
                this.initial = initial;
            }

            /** The longest wait, at least the initial one. Core default 5s. */
            public @Nullable Duration getMax() {
                return max;
            }

            public void setMax(@Nullable Duration max) {
                this.max = max;
            }

            /** Growth per retry, at least 1. Core default 2. */
            public @Nullable Double getMultiplier() {
                return multiplier;
            }

            public void setMultiplier(@Nullable Double multiplier) {
                this.multiplier = multiplier;
            }

            /** The randomized fraction of each wait, 0..1. Core default 0.5. */
            public @Nullable Double getJitter() {
                return jitter;
            }

            public void setJitter(@Nullable Double jitter) {
                this.jitter = jitter;
            }
        }
    }

    /** {@code rill.consumers.<group>.reclaim.*}: taking stale pending entries, and lease renewal. */
    @ConfigurationProperties("reclaim")
    public static class ReclaimConfiguration {
        private Boolean enabled;
        private Duration interval;
        private Duration minIdle;
        private Integer count;
        private Duration leaseRenewalInterval;
        private Duration maxLease;

        /** Take stale entries of the group with XAUTOCLAIM. Core default true. */
        public @Nullable Boolean getEnabled() {
            return enabled;
        }

        public void setEnabled(@Nullable Boolean enabled) {
            this.enabled = enabled;
        }

        /** How often to look for stale entries. Core default 5s. */
        public @Nullable Duration getInterval() {
            return interval;
        }

        public void setInterval(@Nullable Duration interval) {
            this.interval = interval;
        }

        /** Idle time after which an entry may be taken; the same for every consumer of the group. Core default 60s. */
        public @Nullable Duration getMinIdle() {
            return minIdle;
        }

        public void setMinIdle(@Nullable Duration minIdle) {
            this.minIdle = minIdle;
        }

        /** COUNT of each XAUTOCLAIM, 1..100000, lowered to the free in-flight capacity. Core default 100. */
        public @Nullable Integer getCount() {
            return count;
        }

        public void setCount(@Nullable Integer count) {
            this.count = count;
        }

        /** How often entries held here get their idle time reset; under half of min-idle. Core default: a third of min-idle. */
        public @Nullable Duration getLeaseRenewalInterval() {
            return leaseRenewalInterval;
        }

        public void setLeaseRenewalInterval(@Nullable Duration leaseRenewalInterval) {
            this.leaseRenewalInterval = leaseRenewalInterval;
        }

        /**
         * The longest an entry held here has its lease renewed, from when it was read or claimed; longer than
         * lease-renewal-interval. Past it the lease is dropped (a WARN, rill.leases.dropped) and another consumer
         * may claim the entry after min-idle. Core default: 30m, or ten times min-idle when that is longer.
         */
        public @Nullable Duration getMaxLease() {
            return maxLease;
        }

        public void setMaxLease(@Nullable Duration maxLease) {
            this.maxLease = maxLease;
        }
    }

    /** {@code rill.consumers.<group>.dead-letter.*}: where entries that keep failing go. */
    @ConfigurationProperties("dead-letter")
    public static class DeadLetterConfiguration {
        private Boolean enabled;
        private Integer maxFailures;
        private Integer maxDeliveries;
        private String stream;
        private Long maxLength;
        private Duration failureTtl;

        /** Move entries that keep failing to a dead-letter stream. Core default true. */
        public @Nullable Boolean getEnabled() {
            return enabled;
        }

        public void setEnabled(@Nullable Boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * Failed handler attempts in total (every attempt of every delivery, on any consumer) after which an
         * entry is dead-lettered, 1..1000000. Core default 10.
         */
        public @Nullable Integer getMaxFailures() {
            return maxFailures;
        }

        public void setMaxFailures(@Nullable Integer maxFailures) {
            this.maxFailures = maxFailures;
        }

        /**
         * The crash-loop guard: an entry delivered more than this many times without reaching max-failures
         * is dead-lettered (its deliveries ended without an outcome, e.g. the process died); at least
         * max-failures. Core default: 20, or max-failures when that is higher.
         */
        public @Nullable Integer getMaxDeliveries() {
            return maxDeliveries;
        }

        public void setMaxDeliveries(@Nullable Integer maxDeliveries) {
            this.maxDeliveries = maxDeliveries;
        }

        /** The dead-letter stream for every stream read. Core default: {@code <stream>:dlq} per stream. */
        public @Nullable String getStream() {
            return stream;
        }

        public void setStream(@Nullable String stream) {
            this.stream = stream;
        }

        /** Approximate cap of the dead-letter stream (XADD MAXLEN ~); 0 for none. Core default 0. */
        public @Nullable Long getMaxLength() {
            return maxLength;
        }

        public void setMaxLength(@Nullable Long maxLength) {
            this.maxLength = maxLength;
        }

        /**
         * How long failure counts are kept in Redis after the last failure recorded for the stream and group,
         * at least 1s. Core default 7d.
         */
        public @Nullable Duration getFailureTtl() {
            return failureTtl;
        }

        public void setFailureTtl(@Nullable Duration failureTtl) {
            this.failureTtl = failureTtl;
        }
    }

    /** {@code rill.consumers.<group>.janitor.*}: deleting the group's dead consumers. */
    @ConfigurationProperties("janitor")
    public static class JanitorConfiguration {
        private Boolean enabled;
        private Duration interval;
        private Duration inactiveThreshold;

        /** Delete consumers with nothing pending that have been inactive past the threshold. Core default true. */
        public @Nullable Boolean getEnabled() {
            return enabled;
        }

        public void setEnabled(@Nullable Boolean enabled) {
            this.enabled = enabled;
        }

        /** How often to look. Core default 1m. */
        public @Nullable Duration getInterval() {
            return interval;
        }

        public void setInterval(@Nullable Duration interval) {
            this.interval = interval;
        }

        /** Inactivity after which a consumer with nothing pending is deleted; above block-timeout. Core default 1h. */
        public @Nullable Duration getInactiveThreshold() {
            return inactiveThreshold;
        }

        public void setInactiveThreshold(@Nullable Duration inactiveThreshold) {
            this.inactiveThreshold = inactiveThreshold;
        }
    }

    /** {@code rill.consumers.<group>.checkpoint.*}: the local ack journal and the consumer identity. */
    @ConfigurationProperties("checkpoint")
    public static class CheckpointConfiguration {
        private CheckpointOptions.Journal journal;
        private Path directory;
        private CheckpointOptions.Fsync fsync;
        private Duration fsyncInterval;

        /** Where acks are recorded before their XACK: OFF, MEMORY or FILE. Core default: FILE with a directory, else OFF. */
        public CheckpointOptions.@Nullable Journal getJournal() {
            return journal;
        }

        public void setJournal(CheckpointOptions.@Nullable Journal journal) {
            this.journal = journal;
        }

        /** A local directory for journals, derived consumer names and identity locks; setting it turns the journal on. */
        public @Nullable Path getDirectory() {
            return directory;
        }

        public void setDirectory(@Nullable Path directory) {
            this.directory = directory;
        }

        /** When journal writes are forced to disk: ALWAYS, INTERVAL or NEVER. Core default INTERVAL. */
        public CheckpointOptions.@Nullable Fsync getFsync() {
            return fsync;
        }

        public void setFsync(CheckpointOptions.@Nullable Fsync fsync) {
            this.fsync = fsync;
        }

        /** With fsync INTERVAL: the longest a written record waits for its fsync. Core default 100ms. */
        public @Nullable Duration getFsyncInterval() {
            return fsyncInterval;
        }

        public void setFsyncInterval(@Nullable Duration fsyncInterval) {
            this.fsyncInterval = fsyncInterval;
        }
    }
}
