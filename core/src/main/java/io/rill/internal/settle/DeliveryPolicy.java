package io.rill.internal.settle;

import io.rill.DeadLetterOptions;
import io.rill.RetryOptions;
import io.rill.deadletter.DeadLetter;

/**
 * The delivery rules of semantics 7, in one place and without I/O: what happens to an entry when it
 * arrives (read or claimed) and when its handler fails. The counts it is given come from Redis:
 * deliveries from the PEL (hand-overs to a handler, re-reads inside one process not counted), failures
 * from the failure records beside the stream.
 */
public final class DeliveryPolicy {

    /** What to do with an entry that arrived. */
    public enum Arrival {
        /** Hand it to the handler. */
        HANDLE,
        /** Deleted or trimmed while pending (Redis kept only its ID): ack it, nothing to handle. */
        ACK_TRIMMED,
        /** The checkpoint journal has it as handled before a crash (semantics 4): ack it without the handler. */
        ACK_JOURNALED,
        /** Its handler failed max-failures times already (the move was cut short by a crash): dead-letter it. */
        DEAD_LETTER_FAILED,
        /** Handed to a handler more than max-deliveries times without an outcome: dead-letter it. */
        DEAD_LETTER_CRASH_LOOP
    }

    /** Dead-letter threshold meaning: never move, only count. */
    public static final int NEVER = 0;
    /** Dead-letter threshold meaning: move now, whatever the count. */
    public static final int NOW = -1;

    private final boolean deadLetters;
    private final int maxFailures;
    private final int maxDeliveries;
    private final RetryOptions retry;

    public DeliveryPolicy(DeadLetterOptions deadLetter, RetryOptions retry) {
        this.deadLetters = deadLetter.enabled();
        this.maxFailures = deadLetter.maxFailures();
        this.maxDeliveries = deadLetter.maxDeliveries();
        this.retry = retry;
    }

    /**
     * @param deliveries hand-overs including this one (1 for a first delivery)
     * @param failures   failed attempts recorded so far
     */
    public Arrival onArrival(boolean trimmed, boolean journaled, long deliveries, long failures) {
        if (trimmed) {
            return Arrival.ACK_TRIMMED;
        }
        if (journaled) {
            return Arrival.ACK_JOURNALED; // it succeeded: that outweighs failures recorded before
        }
        if (!deadLetters) {
            return Arrival.HANDLE;
        }
        if (failures >= maxFailures) {
            return Arrival.DEAD_LETTER_FAILED;
        }
        if (deliveries > maxDeliveries) {
            return Arrival.DEAD_LETTER_CRASH_LOOP;
        }
        return Arrival.HANDLE;
    }

    /** True when failures are recorded in Redis at all: only dead letters need the count. */
    public boolean countsFailures() {
        return deadLetters;
    }

    /**
     * The dead-letter threshold to apply when recording a failure with this error: {@link #NOW} for an
     * error the retry options never retry, {@link #NEVER} without dead letters, else max-failures.
     */
    public int failureThreshold(Throwable error) {
        if (!deadLetters) {
            return NEVER;
        }
        return retry.retries(error) ? maxFailures : NOW;
    }

    /** True when failures counted so far (this one included) still leave room for another attempt. */
    public boolean belowMaxFailures(long failures) {
        return !deadLetters || failures < maxFailures;
    }

    /** The reason recorded with a dead letter moved after a failure with this error. */
    public String failureReason(Throwable error) {
        return failureThreshold(error) == NOW ? DeadLetter.REASON_NON_RETRYABLE
                : DeadLetter.REASON_FAILED;
    }
}
