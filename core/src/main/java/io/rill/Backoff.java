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
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 2.0, 0.5);

    public Backoff {
        Options.positive("backoff.initial", initial);
        Options.positive("backoff.max", max);
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(
                    "backoff.max must be >= backoff.initial (" + initial + "), was " + max);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("backoff.multiplier must be >= 1, was " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("backoff.jitter must be between 0 and 1, was " + jitter);
        }
    }

    /** A backoff from {@code initial} to {@code max}, doubling, half randomized. */
    public static Backoff of(Duration initial, Duration max) {
        return new Backoff(initial, max, DEFAULT.multiplier, DEFAULT.jitter);
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
