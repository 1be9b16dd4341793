package io.rill.micronaut;

import java.time.Instant;
import java.util.Optional;

import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;

/**
 * What {@link RillSubscriptions} knows about one listener method's subscription, at the time of the call.
 *
 * @param id         {@code group/consumer/streams}, as in the core's logs
 * @param listener   the method, as {@code com.example.Billing#onOrder}
 * @param connection the micronaut-redis server: {@code ""} for the primary one, else its {@code redis.servers} name
 * @param options    the effective options (annotation over {@code rill.consumers.<group>} over {@code rill.consumers.default})
 * @param started    false for an {@code autoStartup = false} listener not resumed yet
 * @param state      the core state; empty while not started
 * @param stateSince when the state was entered; empty while not started
 * @param paused     whether reading is paused
 * @param inFlight   entries read and not yet acknowledged or failed
 * @param lastError  the error behind the last RECOVERING or FAILED
 */
public record SubscriptionInfo(String id, String listener, String connection, SubscriptionOptions options, boolean started,
        Optional<SubscriptionState> state, Optional<Instant> stateSince, boolean paused, int inFlight,
        Optional<Throwable> lastError) {
}
