package io.rill;

/** The life cycle of a subscription. */
public enum SubscriptionState {
    /** Connecting and making sure the groups exist. */
    STARTING,
    /** Reading and handling entries. */
    RUNNING,
    /** Redis is unreachable or failing; backing off and retrying by itself. */
    RECOVERING,
    /** Stop requested: no new reads, in-flight handlers finishing, acks being flushed. */
    STOPPING,
    /** Stopped after a stop request. */
    STOPPED,
    /** Stopped by an error that retrying cannot fix (see {@link Subscription#lastError()}). */
    FAILED;

    /** True for the two states a subscription never leaves. */
    public boolean isTerminal() {
        return this == STOPPED || this == FAILED;
    }
}
