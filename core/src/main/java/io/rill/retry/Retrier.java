package io.rill.retry;

import java.util.concurrent.TimeUnit;

import io.rill.RetryOptions;
import io.rill.StreamEntry;
import io.rill.deadletter.DeadLetterer;

/**
 * Decides what follows a handler failure (semantics 7), for the Invoker that runs the attempts:
 * another attempt after a backoff (the worker waits, so the entry keeps its place in its lane), or,
 * after the last attempt, a verdict: dead-letter the entry when it has had {@code max-deliveries}
 * deliveries or its error is non-retryable, else leave it pending for reclaim or a restart.
 * A stop ends every backoff wait at once; the entry then stays pending, not dead-lettered.
 */
public final class Retrier {

    private final RetryOptions options;
    private final DeadLetterer deadLetterer;
    private final int maxDeliveries;
    private boolean stopping;

    /** @param deadLetterer null when dead letters are off */
    public Retrier(RetryOptions options, DeadLetterer deadLetterer, int maxDeliveries) {
        this.options = options;
        this.deadLetterer = deadLetterer;
        this.maxDeliveries = maxDeliveries;
    }

    /** True when attempt number {@code attempt} (from 1) failed with an error worth another one. */
    public boolean retries(int attempt, Throwable error) {
        return attempt < options.maxAttempts() && options.retries(error);
    }

    /**
     * Waits the backoff before attempt {@code attempt + 1}.
     *
     * @return false when a stop or an interrupt came first: give up on the entry, it stays pending
     */
    public boolean pause(int attempt) {
        long deadline = System.nanoTime() + options.backoff().delay(attempt).toNanos();
        synchronized (this) {
            try {
                long remaining;
                while (!stopping && (remaining = deadline - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(this, remaining);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            return !stopping;
        }
    }

    /**
     * The last attempt of this delivery failed: hands the entry to the dead-letterer when its time has
     * come. True when it did (the entry's in-flight slot is the dead-letterer's to give back); false
     * when the entry is to be left pending.
     */
    public boolean exhausted(StreamEntry entry, Throwable error) {
        if (deadLetterer == null) {
            return false;
        }
        if (!options.retries(error)) {
            deadLetterer.deadLetter(entry, error, DeadLetterer.Reason.NON_RETRYABLE);
            return true;
        }
        // an unknown count (not reported by Redis) is never taken for the limit
        if (entry.deliveryCount().orElse(0) >= maxDeliveries) {
            deadLetterer.deadLetter(entry, error, DeadLetterer.Reason.ATTEMPTS_EXHAUSTED);
            return true;
        }
        return false;
    }

    /** Ends every backoff wait now and for good; used when the subscription stops. */
    public synchronized void stop() {
        stopping = true;
        notifyAll();
    }
}
