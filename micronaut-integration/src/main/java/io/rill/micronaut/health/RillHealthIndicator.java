package io.rill.micronaut.health;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.reactivestreams.Publisher;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.rill.SubscriptionState;
import io.rill.micronaut.RillSubscriptions;
import io.rill.micronaut.SubscriptionInfo;
import jakarta.inject.Singleton;

/**
 * The {@code rill} health indicator: DOWN when a subscription has FAILED, or has been RECOVERING (Redis
 * unreachable or failing) for longer than {@code rill.health.recovering-threshold}; UP otherwise. The
 * details list every subscription with its state, in-flight count and last error.
 */
@Singleton
@Requires(classes = HealthIndicator.class)
@Requires(beans = RillSubscriptions.class)
@Requires(property = "rill.health.enabled", notEquals = "false")
public class RillHealthIndicator implements HealthIndicator {

    public static final String NAME = "rill";

    private final RillSubscriptions subscriptions;
    private final HealthConfiguration configuration;

    public RillHealthIndicator(RillSubscriptions subscriptions, HealthConfiguration configuration) {
        this.subscriptions = subscriptions;
        this.configuration = configuration;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Publishers.just(result());
    }

    /** The current result, computed now. */
    public HealthResult result() {
        Instant now = Instant.now();
        Duration threshold = configuration.getRecoveringThreshold();
        boolean down = false;
        Map<String, Object> details = new LinkedHashMap<>();
        for (SubscriptionInfo s : subscriptions.list()) {
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("listener", s.listener());
            detail.put("state", s.state().map(Enum::name).orElse("NOT_STARTED"));
            s.stateSince().ifPresent(since -> detail.put("since", since.toString()));
            detail.put("paused", s.paused());
            detail.put("inFlight", s.inFlight());
            s.lastError().ifPresent(e -> detail.put("lastError", e.getClass().getName() + ": " + e.getMessage()));
            details.put(s.id(), detail);
            SubscriptionState state = s.state().orElse(null);
            if (state == SubscriptionState.FAILED || (state == SubscriptionState.RECOVERING
                    && Duration.between(s.stateSince().orElse(now), now).compareTo(threshold) > 0)) {
                down = true;
            }
        }
        return HealthResult.builder(NAME, down ? HealthStatus.DOWN : HealthStatus.UP).details(details).build();
    }
}
