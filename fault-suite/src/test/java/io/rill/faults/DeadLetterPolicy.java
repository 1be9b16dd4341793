package io.rill.faults;

import io.rill.DeadLetterOptions;

/**
 * The dead-letter options every consumer of the suite runs with, and the verdict the suite expects
 * for a poison entry. The only place that configures dead letters: moving to another dead-letter API
 * is a change of {@link #options()} (and of {@link #EXPECTED_REASON}, should the label change).
 */
final class DeadLetterPolicy {

    /** The {@code rill.reason} a poison entry's dead letter must carry: it failed max-failures times. */
    static final String EXPECTED_REASON = "failed";

    private DeadLetterPolicy() {
    }

    /**
     * The order-service's setting (semantics 7): three attempts per delivery, dead-lettered after six
     * failures; the crash-loop guard as low as allowed (six hand-overs without an outcome). Strict on
     * purpose: kills, Redis restarts or cuts counted as failures or deliveries would push valid entries
     * over one of them.
     */
    static DeadLetterOptions options() {
        return DeadLetterOptions.builder().maxFailures(6).maxDeliveries(6).build();
    }
}
