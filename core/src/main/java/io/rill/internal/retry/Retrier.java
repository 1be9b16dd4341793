package io.rill.internal.retry;

import java.util.concurrent.TimeUnit;

import io.rill.RetryOptions;

/**
 * In-process retries (semantics 7): whether a failed attempt deserves another one, and the backoff wait
 * before it (the worker waits, so the entry keeps its place in its lane). It never decides an entry's
 * fate: what a failure means (counted, dead-lettered, left pending) is the settlement's call. A stop
 * ends every backoff wait at once.
 */
public final class Retrier {

    private final RetryOptions options;
    private boolean stopping; // guarded by this

    public Retrier(RetryOptions options) {
        this.options = options;
    }

    /**
     * True when attempt number {@code attempt} (from 1) failed with an error worth another one. The JVM's
     * own failures (out of memory, stack overflow) never are: trying again at once only repeats them.
     */
    public boolean retries(int attempt, Throwable error) {
        return attempt < options.maxAttempts() && !(error instanceof VirtualMachineError) && options.retries(error);
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

    /** Ends every backoff wait now and for good; used when the subscription stops. */
    public synchronized void stop() {
        stopping = true;
        notifyAll();
    }
}
