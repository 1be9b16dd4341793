package io.rill.spring.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.rill.SubscriptionState;
import io.rill.spring.RillSubscriptions;
import io.rill.spring.SubscriptionInfo;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The {@code rill} health contributor: DOWN when a subscription has FAILED, or has been RECOVERING (Redis
 * unreachable or failing) for longer than {@code rill.health.recovering-threshold}; UP otherwise. The details
 * list every subscription with its state, in-flight count and last error. Off with
 * {@code management.health.rill.enabled=false}.
 */
public class RillHealthIndicator implements HealthIndicator {

    public static final String NAME = "rill";

    private final RillSubscriptions subscriptions;
    private final Duration recoveringThreshold;

    public RillHealthIndicator(RillSubscriptions subscriptions, Duration recoveringThreshold) {
        this.subscriptions = subscriptions;
        this.recoveringThreshold = recoveringThreshold;
    }

    @Override
    public Health health() {
        Instant now = Instant.now();
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
                    && Duration.between(s.stateSince().orElse(now), now).compareTo(recoveringThreshold) > 0)) {
                down = true;
            }
        }
        return Health.status(down ? Status.DOWN : Status.UP).withDetails(details).build();
    }
}
