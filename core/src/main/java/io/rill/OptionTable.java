package io.rill;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.rill.CheckpointOptions.Fsync;
import io.rill.CheckpointOptions.Journal;
import io.rill.Option.Rule;

/**
 * Every option of a subscription, one row each: key, type, default, rule, meaning, and how a value reaches the
 * builders. The option records take their defaults and single-value checks from here (a record checks in its
 * constructor how its options relate to each other); {@link SubscriptionOptions.Builder#option(String, Object)}
 * sets an option by key; frameworks map keys to their property names and build their configuration metadata
 * and reference from {@link #all()}. Keys are the records' component names in kebab case, nested records'
 * under their own name ({@code retry.backoff.initial}). The subscription's identity ({@code streams},
 * {@code group}) is not an option: it is given to the builder directly.
 */
public final class OptionTable {

    static final int MAX_BATCH_SIZE = 100_000;
    static final int MAX_CONCURRENCY = 4096;
    static final int MAX_ATTEMPTS = 1000;
    static final int MAX_FAILURES = 1_000_000;

    // subscription

    static final Option<String> CONSUMER = Option.row("consumer", String.class)
            .defaultInWords("none: derived from the host and kept in checkpoint.directory when that is set, else required")
            .nullable()
            .rule(nonBlank("must be set to a non-blank name"))
            .means("This process's consumer name in the group; required unless `checkpoint.directory` is set "
                    + "(then derived from the host and kept there).")
            .sets(SubscriptionOptions.Builder::consumer);

    static final Option<Integer> BATCH_SIZE = Option.row("batch-size", Integer.class)
            .byDefault(100)
            .rule(between(1, MAX_BATCH_SIZE))
            .means("COUNT per read and stream, 1..100000, lowered to the free in-flight capacity.")
            .sets(SubscriptionOptions.Builder::batchSize);

    static final Option<Duration> BLOCK_TIMEOUT = Option.row("block-timeout", Duration.class)
            .byDefault(Duration.ofSeconds(2))
            .rule(atLeastOneMilli("Redis counts BLOCK in ms"))
            .means("BLOCK of a read for new entries, at least 1ms.")
            .sets(SubscriptionOptions.Builder::blockTimeout);

    static final Option<Integer> CONCURRENCY = Option.row("concurrency", Integer.class)
            .byDefault(1)
            .rule(between(1, MAX_CONCURRENCY))
            .means("Handler calls at once, 1..4096.")
            .sets(SubscriptionOptions.Builder::concurrency);

    static final Option<String> ORDERING_KEY = Option.row("ordering-key", String.class)
            .defaultInWords("none")
            .nullable()
            .rule(nonBlank("must be a field name or unset, was blank"))
            .means("With concurrency above 1: the field whose equal values are handled in stream order.")
            .sets(SubscriptionOptions.Builder::orderingKey);

    static final Option<Integer> MAX_IN_FLIGHT = Option.row("max-in-flight", Integer.class)
            .defaultInWords("4 × batch-size per stream read, at least 1000")
            .nullable()
            .rule(between(1, Integer.MAX_VALUE))
            .means("Entries read and not yet acknowledged or failed, at least one per stream; the default holds a batch "
                    + "in hand, one read ahead and two batches' acks on their way.")
            .sets(SubscriptionOptions.Builder::maxInFlightOrDerived);

    static final Option<StartPosition> START_POSITION = Option.row("start-position", StartPosition.class)
            .byDefault(StartPosition.LATEST)
            .means("Where a group Rill creates starts: latest, earliest, an entry ID (that entry on) or an ISO-8601 time.")
            .sets(SubscriptionOptions.Builder::startPosition);

    static final Option<Boolean> AUTO_CREATE = Option.row("auto-create", Boolean.class)
            .byDefault(true)
            .means("Create missing groups and streams; off: a missing group fails the subscription.")
            .sets(SubscriptionOptions.Builder::autoCreate);

    static final Option<Integer> ACK_FLUSH_SIZE = Option.row("ack-flush-size", Integer.class)
            .defaultInWords("batch-size, at least 100, at most a quarter of max-in-flight")
            .nullable()
            .rule(between(1, MAX_BATCH_SIZE))
            .means("Acks of one stream that trigger an XACK (at once, or when the stream's previous XACK is answered), "
                    + "1..100000; the default sends one XACK per batch handled.")
            .sets(SubscriptionOptions.Builder::ackFlushSizeOrDerived);

    static final Option<Duration> ACK_FLUSH_INTERVAL = Option.row("ack-flush-interval", Duration.class)
            .byDefault(Duration.ofMillis(10))
            .rule(positive())
            .means("The longest an ack waits before it is sent.")
            .sets(SubscriptionOptions.Builder::ackFlushInterval);

    static final Option<Duration> SHUTDOWN_TIMEOUT = Option.row("shutdown-timeout", Duration.class)
            .byDefault(Duration.ofSeconds(30))
            .rule(value -> value.isNegative() ? "must be >= 0, was " + value : null)
            .means("How long a graceful stop waits for in-flight handlers and acks; a stop returns within it, whether "
                    + "Redis answers or not.")
            .sets(SubscriptionOptions.Builder::shutdownTimeout);

    static final Option<Duration> HANDLER_TIMEOUT = Option.row("handler-timeout", Duration.class)
            .byDefault(Duration.ZERO)
            .defaultInWords("0 (no limit)")
            .rule(value -> value.isNegative() ? "must be a duration above 0, or 0 for no limit, was " + value
                    : !value.isZero() && value.toMillis() < 10 ? "must be at least 10ms (it is checked every quarter of "
                            + "it), was " + value + ": raise it, or set 0 for no limit" : null)
            .means("The longest one handler call may run, at least 10ms, or 0 for no limit: past it the call is "
                    + "interrupted and its entries count as failed (retry and dead-letter policy apply), their leases no "
                    + "longer renewed; a worker that does not return within 5s of the interrupt fails the subscription.")
            .sets(SubscriptionOptions.Builder::handlerTimeout);

    // backoff.*

    static final Option<Duration> BACKOFF_INITIAL = Option.row("backoff.initial", Duration.class)
            .byDefault(Duration.ofMillis(100))
            .rule(positive())
            .means("The first wait, above 0.")
            .sets(SubscriptionOptions.Builder::backoffParts, (parts, value) -> parts.initial = value);

    static final Option<Duration> BACKOFF_MAX = Option.row("backoff.max", Duration.class)
            .byDefault(Duration.ofSeconds(10))
            .rule(positive())
            .means("The longest wait, at least the initial one.")
            .sets(SubscriptionOptions.Builder::backoffParts, (parts, value) -> parts.max = value);

    static final Option<Double> BACKOFF_MULTIPLIER = Option.row("backoff.multiplier", Double.class)
            .byDefault(2.0)
            .rule(multiplier())
            .means("Growth per attempt, at least 1.")
            .sets(SubscriptionOptions.Builder::backoffParts, (parts, value) -> parts.multiplier = value);

    static final Option<Double> BACKOFF_JITTER = Option.row("backoff.jitter", Double.class)
            .byDefault(0.5)
            .rule(fraction())
            .means("The randomized fraction of each wait, 0..1.")
            .sets(SubscriptionOptions.Builder::backoffParts, (parts, value) -> parts.jitter = value);

    // retry.*

    static final Option<Integer> RETRY_MAX_ATTEMPTS = Option.row("retry.max-attempts", Integer.class)
            .byDefault(3)
            .rule(between(1, MAX_ATTEMPTS))
            .means("Handler calls per delivery, the first included, 1..1000; 1 means no retries.")
            .sets(SubscriptionOptions.Builder::retryOptions, RetryOptions.Builder::maxAttempts);

    static final Option<Duration> RETRY_BACKOFF_INITIAL = Option.row("retry.backoff.initial", Duration.class)
            .byDefault(Duration.ofMillis(100))
            .rule(positive())
            .means("The wait before the first retry, above 0.")
            .sets(b -> b.retryOptions().backoffParts(), (parts, value) -> parts.initial = value);

    static final Option<Duration> RETRY_BACKOFF_MAX = Option.row("retry.backoff.max", Duration.class)
            .byDefault(Duration.ofSeconds(5))
            .rule(positive())
            .means("The longest wait, at least the initial one.")
            .sets(b -> b.retryOptions().backoffParts(), (parts, value) -> parts.max = value);

    static final Option<Double> RETRY_BACKOFF_MULTIPLIER = Option.row("retry.backoff.multiplier", Double.class)
            .byDefault(2.0)
            .rule(multiplier())
            .means("Growth per retry, at least 1.")
            .sets(b -> b.retryOptions().backoffParts(), (parts, value) -> parts.multiplier = value);

    static final Option<Double> RETRY_BACKOFF_JITTER = Option.row("retry.backoff.jitter", Double.class)
            .byDefault(0.5)
            .rule(fraction())
            .means("The randomized fraction of each wait, 0..1.")
            .sets(b -> b.retryOptions().backoffParts(), (parts, value) -> parts.jitter = value);

    static final Option<List<?>> RETRY_RETRYABLE = Option.row("retry.retryable", list())
            .byDefault(List.of(Throwable.class))
            .defaultInWords("every Throwable")
            .rule(value -> value.isEmpty() ? "must name at least one exception type (java.lang.Throwable retries "
                    + "everything); to switch retries off set retry.max-attempts to 1" : null)
            .means("Fully qualified exception types worth another attempt (subclasses included).")
            .sets(SubscriptionOptions.Builder::retryOptions,
                    (retry, value) -> retry.retryable(exceptionTypes("retry.retryable", value)));

    static final Option<List<?>> RETRY_NON_RETRYABLE = Option.row("retry.non-retryable", list())
            .byDefault(List.of())
            .defaultInWords("none")
            .means("Fully qualified exception types never retried; dead-lettered at once when dead letters are on.")
            .sets(SubscriptionOptions.Builder::retryOptions,
                    (retry, value) -> retry.nonRetryable(exceptionTypes("retry.non-retryable", value)));

    // reclaim.*

    static final Option<Boolean> RECLAIM_ENABLED = Option.row("reclaim.enabled", Boolean.class)
            .byDefault(true)
            .means("Take stale entries of the group with XAUTOCLAIM.")
            .sets(SubscriptionOptions.Builder::reclaimOptions, ReclaimOptions.Builder::enabled);

    static final Option<Duration> RECLAIM_INTERVAL = Option.row("reclaim.interval", Duration.class)
            .byDefault(Duration.ofSeconds(5))
            .rule(positive())
            .means("How often to look for stale entries.")
            .sets(SubscriptionOptions.Builder::reclaimOptions, ReclaimOptions.Builder::interval);

    static final Option<Duration> RECLAIM_MIN_IDLE = Option.row("reclaim.min-idle", Duration.class)
            .byDefault(Duration.ofSeconds(60))
            .rule(atLeastOneMilli("Redis counts idle time in ms"))
            .means("Idle time after which an entry may be taken; the same for every consumer of the group.")
            .sets(SubscriptionOptions.Builder::reclaimOptions, ReclaimOptions.Builder::minIdle);

    static final Option<Integer> RECLAIM_COUNT = Option.row("reclaim.count", Integer.class)
            .byDefault(100)
            .rule(between(1, MAX_BATCH_SIZE))
            .means("COUNT of each XAUTOCLAIM, 1..100000, lowered to the free in-flight capacity.")
            .sets(SubscriptionOptions.Builder::reclaimOptions, ReclaimOptions.Builder::count);

    static final Option<Duration> RECLAIM_LEASE_RENEWAL_INTERVAL = Option.row("reclaim.lease-renewal-interval", Duration.class)
            .defaultInWords("a third of min-idle")
            .nullable()
            .rule(positive())
            .means("How often entries held here get their idle time reset; under half of min-idle.")
            .sets(SubscriptionOptions.Builder::reclaimOptions, ReclaimOptions.Builder::leaseRenewalInterval);

    static final Option<Duration> RECLAIM_MAX_LEASE = Option.row("reclaim.max-lease", Duration.class)
            .defaultInWords("30m, or ten times min-idle when that is longer")
            .nullable()
            .rule(positive())
            .means("The longest an entry held here has its lease renewed, from when it was read or claimed; longer "
                    + "than lease-renewal-interval. Past it the lease is dropped (a WARN, rill.leases.dropped) and another "
                    + "consumer may claim the entry after min-idle.")
            .sets(SubscriptionOptions.Builder::reclaimOptions, ReclaimOptions.Builder::maxLease);

    // dead-letter.*

    static final Option<Boolean> DEAD_LETTER_ENABLED = Option.row("dead-letter.enabled", Boolean.class)
            .byDefault(true)
            .means("Move entries that keep failing to a dead-letter stream.")
            .sets(SubscriptionOptions.Builder::deadLetterOptions, DeadLetterOptions.Builder::enabled);

    static final Option<Integer> DEAD_LETTER_MAX_FAILURES = Option.row("dead-letter.max-failures", Integer.class)
            .byDefault(10)
            .rule(between(1, MAX_FAILURES))
            .means("Failed handler attempts in total (every attempt of every delivery, on any consumer) after which an "
                    + "entry is dead-lettered, 1..1000000.")
            .sets(SubscriptionOptions.Builder::deadLetterOptions, DeadLetterOptions.Builder::maxFailures);

    static final Option<Integer> DEAD_LETTER_MAX_DELIVERIES = Option.row("dead-letter.max-deliveries", Integer.class)
            .defaultInWords(DeadLetterOptions.DEFAULT_MAX_DELIVERIES + ", or max-failures when that is higher")
            .rule(between(1, MAX_FAILURES))
            .means("The crash-loop guard: an entry delivered more than this many times without reaching max-failures "
                    + "is dead-lettered (its deliveries ended without an outcome, e.g. the process died); at least "
                    + "max-failures.")
            .sets(SubscriptionOptions.Builder::deadLetterOptions, DeadLetterOptions.Builder::maxDeliveries);

    static final Option<String> DEAD_LETTER_STREAM = Option.row("dead-letter.stream", String.class)
            .defaultInWords("`<stream>:dlq` per stream")
            .nullable()
            .rule(nonBlank("must be a stream key or unset (for <stream>" + DeadLetterOptions.SUFFIX + "), was blank"))
            .means("The dead-letter stream for every stream read.")
            .sets(SubscriptionOptions.Builder::deadLetterOptions, DeadLetterOptions.Builder::stream);

    static final Option<Long> DEAD_LETTER_MAX_LENGTH = Option.row("dead-letter.max-length", Long.class)
            .byDefault(0L)
            .rule(value -> value < 0 ? "must be >= 0 (0 for no cap), was " + value : null)
            .means("Approximate cap of the dead-letter stream (XADD MAXLEN ~); 0 for none.")
            .sets(SubscriptionOptions.Builder::deadLetterOptions, DeadLetterOptions.Builder::maxLength);

    static final Option<Duration> DEAD_LETTER_FAILURE_TTL = Option.row("dead-letter.failure-ttl", Duration.class)
            .byDefault(Duration.ofDays(7))
            .rule(value -> value.isNegative() || value.isZero() ? "must be > 0, was " + value
                    : value.toSeconds() < 1 ? "must be at least 1s (Redis expires keys in seconds), was " + value : null)
            .means("How long failure counts are kept in Redis after the last failure recorded for the stream and group, "
                    + "at least 1s.")
            .sets(SubscriptionOptions.Builder::deadLetterOptions, DeadLetterOptions.Builder::failureTtl);

    // janitor.*

    static final Option<Boolean> JANITOR_ENABLED = Option.row("janitor.enabled", Boolean.class)
            .byDefault(true)
            .means("Delete consumers with nothing pending that have been inactive past the threshold.")
            .sets(SubscriptionOptions.Builder::janitorOptions, JanitorOptions.Builder::enabled);

    static final Option<Duration> JANITOR_INTERVAL = Option.row("janitor.interval", Duration.class)
            .byDefault(Duration.ofMinutes(1))
            .rule(positive())
            .means("How often to look.")
            .sets(SubscriptionOptions.Builder::janitorOptions, JanitorOptions.Builder::interval);

    static final Option<Duration> JANITOR_INACTIVE_THRESHOLD = Option.row("janitor.inactive-threshold", Duration.class)
            .byDefault(Duration.ofHours(1))
            .rule(atLeastOneMilli(null))
            .means("Inactivity after which a consumer with nothing pending is deleted; above block-timeout.")
            .sets(SubscriptionOptions.Builder::janitorOptions, JanitorOptions.Builder::inactiveThreshold);

    // checkpoint.*

    static final Option<Journal> CHECKPOINT_JOURNAL = Option.row("checkpoint.journal", Journal.class)
            .defaultInWords("FILE with a directory, else OFF")
            .nullable()
            .means("Where acks are recorded before their XACK: OFF, MEMORY or FILE.")
            .sets(SubscriptionOptions.Builder::checkpointOptions, CheckpointOptions.Builder::journal);

    static final Option<Path> CHECKPOINT_DIRECTORY = Option.row("checkpoint.directory", Path.class)
            .defaultInWords("none")
            .nullable()
            .rule(value -> value.toString().isBlank() ? "must be a path or unset, was blank" : null)
            .means("A local directory for journals, derived consumer names and identity locks; setting it turns the "
                    + "journal on.")
            .sets(SubscriptionOptions.Builder::checkpointOptions, CheckpointOptions.Builder::directory);

    static final Option<Fsync> CHECKPOINT_FSYNC = Option.row("checkpoint.fsync", Fsync.class)
            .byDefault(Fsync.INTERVAL)
            .means("When journal writes are forced to disk: ALWAYS, INTERVAL or NEVER.")
            .sets(SubscriptionOptions.Builder::checkpointOptions, CheckpointOptions.Builder::fsync);

    static final Option<Duration> CHECKPOINT_FSYNC_INTERVAL = Option.row("checkpoint.fsync-interval", Duration.class)
            .byDefault(Duration.ofMillis(100))
            .rule(positive())
            .means("With fsync INTERVAL: the longest a written record waits for its fsync.")
            .sets(SubscriptionOptions.Builder::checkpointOptions, CheckpointOptions.Builder::fsyncInterval);

    // a producer's options (ProducerOptions): a table of their own, OptionTable.producer()

    static final Option<Duration> PRODUCER_RETENTION = Option.row("retention", Duration.class)
            .byDefault(Duration.ofHours(24))
            .rule(value -> value.isNegative() || value.isZero() ? "must be > 0, was " + value
                    : value.toMillis() < 1 ? "must be at least 1ms (Redis expires keys in ms), was " + value : null)
            .means("How long an idempotency key is remembered beside its stream: a publish retried within it returns the "
                    + "first entry's ID instead of adding another; longer than any retry or outage the outbox rides out.")
            .setsProducer(ProducerOptions.Builder::retention);

    static final Option<Path> OUTBOX_DIRECTORY = Option.row("outbox.directory", Path.class)
            .defaultInWords("none (no outbox: a publish fails while Redis is unreachable)")
            .nullable()
            .rule(value -> value.toString().isBlank() ? "must be a path or unset, was blank" : null)
            .means("A local directory for the outbox journal, one subdirectory (locked) per outbox.identity; setting it "
                    + "turns the outbox on: publishes are journaled, then sent in order, and wait there while Redis is down.")
            .setsProducer((b, value) -> b.outboxParts().directory(value));

    static final Option<String> OUTBOX_IDENTITY = Option.row("outbox.identity", String.class)
            .byDefault("default")
            .rule(nonBlank("must be set to a non-blank name"))
            .means("The producer's name in outbox.directory; two running producers must not share one.")
            .setsProducer((b, value) -> b.outboxParts().identity(value));

    static final Option<Integer> OUTBOX_MAX_ENTRIES = Option.row("outbox.max-entries", Integer.class)
            .byDefault(100_000)
            .rule(between(1, Integer.MAX_VALUE))
            .means("Entries the outbox holds not yet confirmed by Redis; a publish beyond it fails (OutboxFullException).")
            .setsProducer((b, value) -> b.outboxParts().maxEntries(value));

    static final Option<Long> OUTBOX_MAX_BYTES = Option.row("outbox.max-bytes", Long.class)
            .byDefault(64L << 20)
            .defaultInWords("64 MiB")
            .rule(value -> value < 1024 ? "must be at least 1024, was " + value : null)
            .means("Bytes of entries the outbox holds not yet confirmed by Redis; a publish beyond it fails "
                    + "(OutboxFullException).")
            .setsProducer((b, value) -> b.outboxParts().maxBytes(value));

    static final Option<Fsync> OUTBOX_FSYNC = Option.row("outbox.fsync", Fsync.class)
            .byDefault(Fsync.ALWAYS)
            .means("When outbox writes are forced to disk: ALWAYS (a publish returns after its fsync), INTERVAL or NEVER; "
                    + "unlike the ack journal's, a record lost to a power failure is an entry lost, hence ALWAYS.")
            .setsProducer((b, value) -> b.outboxParts().fsync(value));

    static final Option<Duration> OUTBOX_FSYNC_INTERVAL = Option.row("outbox.fsync-interval", Duration.class)
            .byDefault(Duration.ofMillis(100))
            .rule(positive())
            .means("With outbox.fsync INTERVAL: the longest a written entry waits for its fsync.")
            .setsProducer((b, value) -> b.outboxParts().fsyncInterval(value));

    private static final List<Option<?>> PRODUCER = List.of(PRODUCER_RETENTION, OUTBOX_DIRECTORY, OUTBOX_IDENTITY,
            OUTBOX_MAX_ENTRIES, OUTBOX_MAX_BYTES, OUTBOX_FSYNC, OUTBOX_FSYNC_INTERVAL);

    // scale-out (semantics 13)

    static final Option<Integer> PARTITIONS = Option.row("partitions", Integer.class)
            .byDefault(1)
            .rule(between(1, PartitionedStream.MAX_PARTITIONS))
            .means("1: each stream is read as named; n > 1: each stream is a logical stream read as its partitions "
                    + "name:{0} … name:{n-1}, 1..1024.")
            .sets(SubscriptionOptions.Builder::partitions);

    static final Option<Integer> REPLICA_ACKS = Option.row("replica-acks", Integer.class)
            .byDefault(0)
            .rule(between(0, 100))
            .means("0: an ack is done when the master answers the XACK; n > 0: each ack flush is followed by WAIT n, "
                    + "and the entries count as acknowledged once n replicas have the XACK (a failover then does not hand "
                    + "them out again), 0..100.")
            .sets(SubscriptionOptions.Builder::replicaAcks);

    static final Option<Duration> REPLICA_ACK_TIMEOUT = Option.row("replica-ack-timeout", Duration.class)
            .byDefault(Duration.ofSeconds(1))
            .rule(atLeastOneMilli("WAIT counts in ms; 0 would wait forever"))
            .means("With replica-acks: the WAIT's timeout, at least 1ms; fewer replicas by then and the XACK is sent "
                    + "again with the next flush.")
            .sets(SubscriptionOptions.Builder::replicaAckTimeout);

    private static final List<Option<?>> ALL = List.of(
            CONSUMER, BATCH_SIZE, BLOCK_TIMEOUT, CONCURRENCY, ORDERING_KEY, MAX_IN_FLIGHT, START_POSITION, AUTO_CREATE,
            ACK_FLUSH_SIZE, ACK_FLUSH_INTERVAL, BACKOFF_INITIAL, BACKOFF_MAX, BACKOFF_MULTIPLIER, BACKOFF_JITTER,
            SHUTDOWN_TIMEOUT, HANDLER_TIMEOUT,
            RETRY_MAX_ATTEMPTS, RETRY_BACKOFF_INITIAL, RETRY_BACKOFF_MAX, RETRY_BACKOFF_MULTIPLIER, RETRY_BACKOFF_JITTER,
            RETRY_RETRYABLE, RETRY_NON_RETRYABLE,
            RECLAIM_ENABLED, RECLAIM_INTERVAL, RECLAIM_MIN_IDLE, RECLAIM_COUNT, RECLAIM_LEASE_RENEWAL_INTERVAL,
            RECLAIM_MAX_LEASE,
            DEAD_LETTER_ENABLED, DEAD_LETTER_MAX_FAILURES, DEAD_LETTER_MAX_DELIVERIES, DEAD_LETTER_STREAM,
            DEAD_LETTER_MAX_LENGTH, DEAD_LETTER_FAILURE_TTL,
            JANITOR_ENABLED, JANITOR_INTERVAL, JANITOR_INACTIVE_THRESHOLD,
            CHECKPOINT_JOURNAL, CHECKPOINT_DIRECTORY, CHECKPOINT_FSYNC, CHECKPOINT_FSYNC_INTERVAL,
            PARTITIONS, REPLICA_ACKS, REPLICA_ACK_TIMEOUT);

    private static final Map<String, Option<?>> BY_KEY = new LinkedHashMap<>();

    static {
        for (Option<?> option : ALL) {
            if (BY_KEY.put(option.key(), option) != null) {
                throw new IllegalStateException("two options with the key " + option.key());
            }
        }
    }

    private OptionTable() {
    }

    /** Every option, in the order of the records' components ({@code backoff.*} between ack-flush-interval and shutdown-timeout). */
    public static List<Option<?>> all() {
        return ALL;
    }

    /** Every option of a producer ({@link ProducerOptions}), keys as for a subscription's. */
    public static List<Option<?>> producer() {
        return PRODUCER;
    }

    /** The producer option with this key; an {@link InvalidOptionException} naming the key when there is none. */
    static Option<?> getProducer(String key, Object value) {
        return PRODUCER.stream().filter(o -> o.key().equals(key)).findFirst()
                .orElseThrow(() -> new InvalidOptionException(key, value, "is not an option of a producer; the options are "
                        + PRODUCER.stream().map(Option::key).toList()));
    }

    /** The option with this key, if there is one. */
    public static Optional<Option<?>> find(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }

    /** The option with this key; an {@link InvalidOptionException} naming the key when there is none. */
    static Option<?> get(String key, Object value) {
        Option<?> option = BY_KEY.get(key);
        if (option == null) {
            throw new InvalidOptionException(key, value, "is not an option of a subscription; the options are "
                    + BY_KEY.keySet());
        }
        return option;
    }

    private static Rule<Integer> between(int min, int max) {
        return value -> value < min || value > max ? "must be between " + min + " and " + max + ", was " + value : null;
    }

    private static Rule<Duration> positive() {
        return value -> value.isNegative() || value.isZero() ? "must be > 0, was " + value : null;
    }

    private static Rule<Duration> atLeastOneMilli(String why) {
        return value -> value.isNegative() || value.isZero() ? "must be > 0, was " + value
                : value.toMillis() < 1 ? "must be at least 1ms" + (why == null ? "" : " (" + why + ")") + ", was " + value
                : null;
    }

    private static Rule<Double> multiplier() {
        return value -> !(value >= 1.0) || value.isInfinite() ? "must be >= 1, was " + value : null;
    }

    private static Rule<Double> fraction() {
        return value -> !(value >= 0.0 && value <= 1.0) ? "must be between 0 and 1, was " + value : null;
    }

    private static Rule<String> nonBlank(String problem) {
        return value -> value.isBlank() ? problem : null;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Class<List<?>> list() {
        return (Class) List.class;
    }

    /** Exception types from class names or classes; a name that is no exception class fails naming the option. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Class<? extends Throwable>[] exceptionTypes(String key, List<?> types) {
        Class<? extends Throwable>[] resolved = new Class[types.size()];
        for (int i = 0; i < resolved.length; i++) {
            Object type = types.get(i);
            Class<?> loaded;
            if (type instanceof Class<?> c) {
                loaded = c;
            } else if (type instanceof String name) {
                loaded = load(key, types, name.strip());
            } else {
                throw new InvalidOptionException(key, types, "must list exception class names or classes, has a "
                        + (type == null ? "null" : type.getClass().getName()));
            }
            if (!Throwable.class.isAssignableFrom(loaded)) {
                throw new InvalidOptionException(key, types, "names '" + loaded.getName() + "', which is not an exception type");
            }
            resolved[i] = (Class<? extends Throwable>) loaded;
        }
        return resolved;
    }

    private static Class<?> load(String key, List<?> types, String name) {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        for (ClassLoader loader : new ClassLoader[] {context, OptionTable.class.getClassLoader()}) {
            if (loader != null) {
                try {
                    return Class.forName(name, false, loader);
                } catch (ClassNotFoundException e) {
                    // the next loader
                }
            }
        }
        throw new InvalidOptionException(key, types, "names '" + name + "', which is not a class on the classpath: "
                + "give fully qualified exception class names");
    }
}
