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
     * Written against the API that counts Redis deliveries ({@code maxDeliveries} only, its default 5).
     * With the API that counts handler failures this becomes
     * {@code DeadLetterOptions.builder().maxFailures(10).maxDeliveries(20).build()}.
     */
    static DeadLetterOptions options() {
        return DeadLetterOptions.builder().maxDeliveries(DeadLetterOptions.DEFAULT_MAX_DELIVERIES).build();
    }
}
