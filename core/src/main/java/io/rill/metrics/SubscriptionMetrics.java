package io.rill.metrics;

/**
 * The names of the meters every subscription registers, each tagged with {@code stream}, {@code group}
 * and {@code consumer}. They are part of the API: dashboards and alerts refer to them. The gauges of
 * the group ({@link #LAG}, {@link #LAG_AGE}, {@link #PENDING}, {@link #GROUP_PENDING}, {@link #PENDING_AGE})
 * are sampled from Redis every {@link #SAMPLE_INTERVAL_SECONDS} seconds, never on the path of an entry.
 */
public final class SubscriptionMetrics {

    public static final String READ = "rill.entries.read";
    public static final String HANDLED = "rill.entries.handled";
    public static final String FAILED = "rill.entries.failed";
    public static final String ACKED = "rill.entries.acked";
    public static final String TRIMMED = "rill.entries.trimmed";
    public static final String DEDUPLICATED = "rill.entries.deduplicated";
    public static final String HANDLER_DURATION = "rill.handler.duration";
    public static final String CLAIMED = "rill.entries.claimed";
    public static final String RETRIED = "rill.entries.retried";
    public static final String DEAD_LETTERED = "rill.entries.dead-lettered";
    public static final String LEASES_RENEWED = "rill.leases.renewed";
    public static final String LEASES_LOST = "rill.leases.lost";
    /** Leases no longer renewed because their entries were held longer than {@code reclaim.max-lease}. */
    public static final String LEASES_DROPPED = "rill.leases.dropped";
    /** Handler calls that ran longer than {@code handler-timeout}: their entries were failed. */
    public static final String HANDLER_TIMEOUTS = "rill.handler.timeouts";
    public static final String CONSUMERS_DELETED = "rill.consumers.deleted";
    /** XACKs Redis did not take, counted in entries; they are kept and sent again. */
    public static final String ACKS_FAILED = "rill.acks.failed";
    /** Failure records and dead-letter moves Redis did not take; the entry stays pending and is judged again. */
    public static final String DEAD_LETTERS_FAILED = "rill.dead-letters.failed";

    /** Tag of {@link #HANDLER_DURATION}: {@code success} or {@code failure}. */
    public static final String TAG_RESULT = "result";
    /** Tag of {@link #HANDLER_DURATION}: the simple class name of what the handler threw, {@code none} when nothing. */
    public static final String TAG_EXCEPTION = "exception";

    /** Gauge: entries of the stream not yet delivered to the group (XINFO GROUPS {@code lag}, else counted). */
    public static final String LAG = "rill.lag";
    /** Time gauge: age of the oldest entry not yet delivered to the group, by its ID's time; 0 when there is none. */
    public static final String LAG_AGE = "rill.lag.age";
    /** Gauge: entries pending (delivered, not acknowledged) for this subscription's consumer. */
    public static final String PENDING = "rill.pending";
    /** Gauge: entries pending for every consumer of the group. */
    public static final String GROUP_PENDING = "rill.group.pending";
    /** Time gauge: age of the oldest entry pending in the group, by its ID's time; 0 when there is none. */
    public static final String PENDING_AGE = "rill.pending.age";
    /** Gauge of the subscription (its streams joined by commas in the {@code stream} tag): entries in flight. */
    public static final String IN_FLIGHT = "rill.in-flight";
    /** Gauge of the subscription, one per {@code state} tag value: 1 for the state it is in, 0 for the others. */
    public static final String STATE = "rill.subscription.state";

    /** How often the group gauges are read from Redis. */
    public static final int SAMPLE_INTERVAL_SECONDS = 5;

    private SubscriptionMetrics() {
    }
}
