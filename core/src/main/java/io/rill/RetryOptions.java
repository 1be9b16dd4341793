package io.rill;

import java.time.Duration;
import java.util.List;

/**
 * In-process retries of a failing handler (semantics 7): up to {@code maxAttempts} calls per delivery,
 * waiting an exponential backoff with jitter between them. An error is retried when it is an instance
 * of a {@code retryable} type and of no {@code nonRetryable} type. After the last attempt the entry is
 * left pending in Redis, for reclaim or a restart to deliver it again; a non-retryable error instead
 * moves it to the dead-letter stream at once (when dead letters are on). Every failed attempt counts
 * towards {@code dead-letter.max-failures}. While an entry is retried it
 * keeps its place: entries behind it in the same lane (ordering key, or concurrency 1) wait.
 *
 * @param maxAttempts  handler calls per delivery, including the first; 1 switches retries off
 * @param backoff      the wait before each retry
 * @param retryable    error types worth another attempt (subclasses included)
 * @param nonRetryable error types never retried, even when also retryable (subclasses included)
 */
public record RetryOptions(int maxAttempts, Backoff backoff, List<Class<? extends Throwable>> retryable,
        List<Class<? extends Throwable>> nonRetryable) {

    public static final int DEFAULT_MAX_ATTEMPTS = OptionTable.RETRY_MAX_ATTEMPTS.defaultValue();
    /** 100 ms, doubling, up to 5 s, half of each delay randomized. */
    public static final Backoff DEFAULT_BACKOFF = new Backoff.Parts(OptionTable.RETRY_BACKOFF_INITIAL.defaultValue(),
            OptionTable.RETRY_BACKOFF_MAX.defaultValue(), OptionTable.RETRY_BACKOFF_MULTIPLIER.defaultValue(),
            OptionTable.RETRY_BACKOFF_JITTER.defaultValue()).build("retry.");
    public static final RetryOptions DEFAULT = builder().build();
    static final int MAX_ATTEMPTS = OptionTable.MAX_ATTEMPTS;

    public RetryOptions {
        OptionTable.RETRY_MAX_ATTEMPTS.check(maxAttempts);
        Options.set("retry.backoff", backoff);
        OptionTable.RETRY_RETRYABLE.check(retryable);
        retryable = List.copyOf(retryable);
        nonRetryable = nonRetryable == null ? List.of() : List.copyOf(nonRetryable);
    }

    /** True when this error deserves another attempt. */
    public boolean retries(Throwable error) {
        return matches(retryable, error) && !matches(nonRetryable, error);
    }

    private static boolean matches(List<Class<? extends Throwable>> types, Throwable error) {
        for (Class<? extends Throwable> type : types) {
            if (type.isInstance(error)) {
                return true;
            }
        }
        return false;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link RetryOptions}; {@link #build()} validates. */
    public static final class Builder {
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Backoff backoff = DEFAULT_BACKOFF;
        private Backoff.Parts backoffParts; // set part by part: built and checked by build()
        private List<Class<? extends Throwable>> retryable = List.of(Throwable.class);
        private List<Class<? extends Throwable>> nonRetryable = List.of();

        private Builder() {
        }

        private Builder(RetryOptions o) {
            maxAttempts = o.maxAttempts;
            backoff = o.backoff;
            retryable = o.retryable;
            nonRetryable = o.nonRetryable;
        }

        /** Handler calls per delivery, 1..1000, the first included; 1 means no retries. Default 3. */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** The wait before each retry. Default {@link #DEFAULT_BACKOFF}. */
        public Builder backoff(Backoff backoff) {
            this.backoff = backoff;
            this.backoffParts = null;
            return this;
        }

        /** The wait before each retry, from its parts; a bad value fails {@link #build()} naming {@code retry.backoff.*}. */
        public Builder backoff(Duration initial, Duration max, double multiplier, double jitter) {
            this.backoffParts = new Backoff.Parts(initial, max, multiplier, jitter);
            return this;
        }

        /** The backoff's parts, to set one of them (options set by key). */
        Backoff.Parts backoffParts() {
            if (backoffParts == null) {
                backoffParts = new Backoff.Parts(backoff != null ? backoff : DEFAULT_BACKOFF);
            }
            return backoffParts;
        }

        /** Error types worth another attempt, subclasses included. Default: every {@link Throwable}. */
        @SafeVarargs
        public final Builder retryable(Class<? extends Throwable>... types) {
            this.retryable = List.of(types);
            return this;
        }

        /** Error types never retried (and dead-lettered at once when dead letters are on). Default: none. */
        @SafeVarargs
        public final Builder nonRetryable(Class<? extends Throwable>... types) {
            this.nonRetryable = List.of(types);
            return this;
        }

        public RetryOptions build() {
            return new RetryOptions(maxAttempts, backoffParts != null ? backoffParts.build("retry.") : backoff, retryable,
                    nonRetryable);
        }
    }
}
