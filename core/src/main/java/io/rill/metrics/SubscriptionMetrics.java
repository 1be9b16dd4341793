package io.rill.metrics;

/**
 * The names of the meters every subscription registers, each tagged with {@code stream}, {@code group}
 * and {@code consumer}. They are part of the API: dashboards and alerts refer to them.
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

    private SubscriptionMetrics() {
    }
}
