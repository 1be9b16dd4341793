package io.rill.spring;

import java.time.Instant;
import java.util.Optional;

import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;

/**
 * One listener subscription as {@link RillSubscriptions} lists it.
 *
 * @param id        {@code group/consumer/streams}
 * @param listener  the method, {@code com.example.Billing#onOrder}
 * @param options   the effective options
 * @param started   false for an {@code autoStartup = "false"} subscription not resumed yet, or before startup
 * @param state     the core state, when started
 * @param stateSince when it entered that state
 * @param paused    between pause and resume
 * @param inFlight  entries read and not yet settled
 * @param lastError the last error that moved it to RECOVERING or FAILED, if any
 */
public record SubscriptionInfo(String id, String listener, SubscriptionOptions options, boolean started,
        Optional<SubscriptionState> state, Optional<Instant> stateSince, boolean paused, int inFlight,
        Optional<Throwable> lastError) {
}
