package io.rill;

import java.time.Duration;

/**
 * The failure recorded for an entry whose handler call ran longer than {@code handler-timeout}: the call
 * was interrupted and the entry counted as failed (semantics 7), so the retry and dead-letter policy
 * apply to it like to any failure. List it in {@code retry.non-retryable} to dead-letter such entries at
 * once instead of after {@code dead-letter.max-failures}.
 */
public final class HandlerTimeoutException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    public HandlerTimeoutException(String message, Duration timeout) {
        super(message, null, false, false);
        this.timeout = timeout;
    }

    /** The handler-timeout the call ran past. */
    public Duration timeout() {
        return timeout;
    }
}
