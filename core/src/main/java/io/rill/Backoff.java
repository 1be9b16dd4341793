package io.rill;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter, capped: attempt {@code n} (from 1) waits a random time between
 * {@code (1 - jitter) * d} and {@code d}, where {@code d = min(max, initial * multiplier^(n-1))}.
 *
 * @param initial    the delay before the first retry, &gt; 0
 * @param max        the cap, &gt;= initial
 * @param multiplier growth per attempt, &gt;= 1
 * @param jitter     the fraction of each delay that is randomized, 0..1
 */
public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {

    /** 100 ms doubling up to 10 s, half of each delay randomized. */
    public static final Backoff DEFAULT = new Backoff(OptionTable.BACKOFF_INITIAL.defaultValue(),
            OptionTable.BACKOFF_MAX.defaultValue(), OptionTable.BACKOFF_MULTIPLIER.defaultValue(),
            OptionTable.BACKOFF_JITTER.defaultValue());

    /** Validation names the options {@code backoff.*}; the retry options name theirs {@code retry.backoff.*}. */
    public Backoff {
        OptionTable.BACKOFF_INITIAL.check(initial);
        OptionTable.BACKOFF_MAX.check(max);
        if (max.compareTo(initial) < 0) {
            throw new InvalidOptionException("backoff.max", max, "must be >= {0} (" + initial + "), was " + max,
                    "backoff.initial");
        }
        OptionTable.BACKOFF_MULTIPLIER.check(multiplier);
        OptionTable.BACKOFF_JITTER.check(jitter);
    }

    /** A backoff from {@code initial} to {@code max}, doubling, half randomized. */
    public static Backoff of(Duration initial, Duration max) {
        return new Backoff(initial, max, DEFAULT.multiplier, DEFAULT.jitter);
    }

    /** A backoff set part by part (options set by key), checked when it is built. */
    static final class Parts {
        Duration initial;
        Duration max;
        double multiplier;
        double jitter;

        Parts(Backoff base) {
            this(base.initial, base.max, base.multiplier, base.jitter);
        }

        Parts(Duration initial, Duration max, double multiplier, double jitter) {
            this.initial = initial;
            this.max = max;
            this.multiplier = multiplier;
            this.jitter = jitter;
        }

        /** The backoff; a bad part fails with its key under {@code prefix} ({@code retry.}), or as is with {@code ""}. */
        Backoff build(String prefix) {
            try {
                return new Backoff(initial, max, multiplier, jitter);
            } catch (InvalidOptionException e) {
                throw prefix.isEmpty() ? e : e.under(prefix);
            }
        }
    }

    /** The delay before retry number {@code attempt} (1 for the first retry). */
    public Duration delay(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1, was " + attempt);
        }
        double capped = Math.min(max.toNanos(), initial.toNanos() * Math.pow(multiplier, attempt - 1));
        double randomized = capped * (1.0 - jitter * ThreadLocalRandom.current().nextDouble());
        return Duration.ofNanos(Math.max(1, (long) randomized));
    }
}
