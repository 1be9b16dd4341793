package io.rill.internal.settle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.rill.DeadLetterOptions;
import io.rill.RetryOptions;
import io.rill.internal.settle.DeliveryPolicy.Arrival;

/** The delivery rules of semantics 7, without Redis. */
class DeliveryPolicyTest {

    private static final RetryOptions RETRY = RetryOptions.builder().nonRetryable(IllegalArgumentException.class).build();
    private final DeliveryPolicy policy = new DeliveryPolicy(
            DeadLetterOptions.builder().maxFailures(5).maxDeliveries(8).build(), RETRY);

    @Test
    void anArrivalIsHandledUntilFailuresOrTheCrashLoopGuardSayOtherwise() {
        assertEquals(Arrival.HANDLE, policy.onArrival(false, false, 1, 0));
        assertEquals(Arrival.HANDLE, policy.onArrival(false, false, 8, 4), "8 deliveries, 4 failures: both under");
        assertEquals(Arrival.DEAD_LETTER_FAILED, policy.onArrival(false, false, 2, 5), "a move cut short by a crash");
        assertEquals(Arrival.DEAD_LETTER_CRASH_LOOP, policy.onArrival(false, false, 9, 0), "9th hand-over, no outcome");
        assertEquals(Arrival.DEAD_LETTER_FAILED, policy.onArrival(false, false, 9, 5), "failures are the first reason");
    }

    @Test
    void trimmedAndJournaledEntriesAreAckedWhateverTheirCounts() {
        assertEquals(Arrival.ACK_TRIMMED, policy.onArrival(true, true, 100, 100));
        assertEquals(Arrival.ACK_JOURNALED, policy.onArrival(false, true, 100, 100), "it succeeded before a crash");
    }

    @Test
    void withoutDeadLettersNothingIsCountedOrMoved() {
        DeliveryPolicy off = new DeliveryPolicy(DeadLetterOptions.builder().enabled(false).build(), RETRY);
        assertEquals(Arrival.HANDLE, off.onArrival(false, false, 1_000, 1_000));
        assertFalse(off.countsFailures());
        assertEquals(DeliveryPolicy.NEVER, off.failureThreshold(new IllegalStateException()));
        assertEquals(DeliveryPolicy.NEVER, off.failureThreshold(new IllegalArgumentException()));
        assertTrue(off.belowMaxFailures(1_000_000));
    }

    @Test
    void aFailureCountsTowardsMaxFailuresAndANonRetryableErrorMovesAtOnce() {
        assertTrue(policy.countsFailures());
        assertEquals(5, policy.failureThreshold(new IllegalStateException()));
        assertEquals("failed", policy.failureReason(new IllegalStateException()));
        assertEquals(DeliveryPolicy.NOW, policy.failureThreshold(new IllegalArgumentException("no such customer")));
        assertEquals("non-retryable", policy.failureReason(new IllegalArgumentException()));
        assertTrue(policy.belowMaxFailures(4));
        assertFalse(policy.belowMaxFailures(5));
    }
}
