package io.rill.micronaut.health;

import java.time.Duration;

import io.micronaut.context.annotation.ConfigurationProperties;

/** {@code rill.health.*}: the {@code rill} health indicator. */
@ConfigurationProperties("rill.health")
public class HealthConfiguration {

    public static final Duration DEFAULT_RECOVERING_THRESHOLD = Duration.ofSeconds(30);

    private boolean enabled = true;
    private Duration recoveringThreshold = DEFAULT_RECOVERING_THRESHOLD;

    /** Whether the {@code rill} health indicator is registered (it needs micronaut-management). Default true. */
    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * How long a subscription may stay RECOVERING (Redis unreachable or failing, retrying by itself)
     * before the indicator reports DOWN. Default 30 s.
     */
    public Duration getRecoveringThreshold() {
        return recoveringThreshold;
    }

    public void setRecoveringThreshold(Duration recoveringThreshold) {
        this.recoveringThreshold = recoveringThreshold;
    }
}
