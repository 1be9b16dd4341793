package io.rill.bench.latency;

import java.util.List;
import java.util.Locale;

/**
 * The rate sweep's plan and its stop rule: each contender runs latency phases at rising rates until
 * one is not sustained; the highest sustained rate is its figure. A step is sustained when the
 * contender handled every measured entry within the drain grace and its p99 (XADD due time to
 * handler) is at most {@code p99LimitMs}. When the producer itself was late by more than the limit
 * (p99), the rate was not offered as planned and the step says so instead of blaming the consumer.
 *
 * @param rates      the steps, entries/s, rising
 * @param p99LimitMs the p99 a sustained step may not exceed
 */
public record RateSweep(List<Integer> rates, double p99LimitMs) {

    /** 2k to 300k entries/s: roughly ×1.5 a step, 12 steps. */
    public static final List<Integer> DEFAULT_RATES = List.of(2_000, 5_000, 10_000, 20_000, 30_000, 50_000, 75_000,
            100_000, 150_000, 200_000, 250_000, 300_000);

    public static final double DEFAULT_P99_LIMIT_MS = 50;

    public RateSweep {
        rates = List.copyOf(rates);
        if (rates.isEmpty()) {
            throw new IllegalArgumentException("a sweep needs at least one rate");
        }
        for (int i = 0; i < rates.size(); i++) {
            if (rates.get(i) <= 0 || (i > 0 && rates.get(i) <= rates.get(i - 1))) {
                throw new IllegalArgumentException("sweep rates must be positive and rising, were " + rates);
            }
        }
        if (!(p99LimitMs > 0)) {
            throw new IllegalArgumentException("the p99 limit must be positive, was " + p99LimitMs);
        }
    }

    /** How a step ended. */
    public enum Verdict {
        SUSTAINED("sustained"),
        P99_OVER_LIMIT("p99 over the limit"),
        SATURATED("saturated"),
        PRODUCER_BEHIND("producer could not keep the rate"),
        /** The producer's JVM failed (out of memory, say): the rate was not offered, so nothing is judged. */
        PRODUCER_FAILED("producer failed");

        private final String text;

        Verdict(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /**
     * One step: the rate, how it ended, the p99 (NaN when saturated), the producer's p99 lateness and
     * the rate the contender handled.
     */
    public record Step(int rate, Verdict verdict, double p99Ms, double producerLagP99Ms, double handledRate) {
    }

    /** Every step of one contender, the last one the first that was not sustained (unless all were). */
    public record Outcome(String contender, String semantics, List<Step> steps) {

        public Outcome {
            steps = List.copyOf(steps);
        }

        /** The highest rate of the sustained steps before the first failed one; 0 when the first failed. */
        public int highestSustained() {
            int best = 0;
            for (Step step : steps) {
                if (step.verdict() != Verdict.SUSTAINED) {
                    break;
                }
                best = step.rate();
            }
            return best;
        }

        /** The step that ended the sweep, or null when every rate was sustained (the sweep's top is a floor). */
        public Step stoppedAt() {
            return steps.stream().filter(s -> s.verdict() != Verdict.SUSTAINED).findFirst().orElse(null);
        }

        /** The p99 at the highest sustained rate, NaN when none was. */
        public double p99AtHighest() {
            int best = highestSustained();
            return steps.stream().filter(s -> s.rate() == best && s.verdict() == Verdict.SUSTAINED)
                    .mapToDouble(Step::p99Ms).findFirst().orElse(Double.NaN);
        }

        /** One line: "sustains 50,000/s (p99 3.1 ms); at 75,000/s: saturated (handled 61,000/s)". */
        public String summary(double limitMs) {
            StringBuilder s = new StringBuilder();
            int best = highestSustained();
            if (best == 0) {
                s.append("sustains none of the rates");
            } else {
                s.append(String.format(Locale.ROOT, "sustains %,d/s (p99 %.1f ms ≤ %s ms)", best, p99AtHighest(), trim(limitMs)));
            }
            Step stop = stoppedAt();
            if (stop == null) {
                s.append("; the sweep's highest rate, so a floor");
            } else {
                s.append(String.format(Locale.ROOT, "; at %,d/s: %s", stop.rate(), describe(stop)));
            }
            return s.toString();
        }
    }

    /** What went wrong at a failed step, for tables and charts. */
    public static String describe(Step step) {
        return switch (step.verdict()) {
            case SUSTAINED -> String.format(Locale.ROOT, "p99 %.1f ms", step.p99Ms());
            case P99_OVER_LIMIT -> String.format(Locale.ROOT, "p99 %.1f ms", step.p99Ms());
            case SATURATED -> String.format(Locale.ROOT, "saturated (handled %,.0f/s)", step.handledRate());
            case PRODUCER_BEHIND -> String.format(Locale.ROOT, "producer late by %.1f ms (p99)", step.producerLagP99Ms());
            case PRODUCER_FAILED -> "the producer failed";
        };
    }

    /**
     * The stop rule. Sustained needs both: every entry handled, p99 within the limit. Otherwise the
     * producer's lateness decides who is blamed: above the limit it was the offered rate that failed.
     */
    public static Verdict judge(boolean keptUp, double p99Ms, double producerLagP99Ms, double limitMs) {
        if (keptUp && p99Ms <= limitMs) {
            return Verdict.SUSTAINED;
        }
        if (producerLagP99Ms > limitMs) {
            return Verdict.PRODUCER_BEHIND;
        }
        return keptUp ? Verdict.P99_OVER_LIMIT : Verdict.SATURATED;
    }

    /** The step of a phase whose producer failed. */
    static Step producerFailed(int rate) {
        return new Step(rate, Verdict.PRODUCER_FAILED, Double.NaN, Double.NaN, Double.NaN);
    }

    /** The step of one latency phase. */
    Step step(LatencyBenchmark.Result r) {
        double p99 = r.keptUp() && r.latency().getTotalCount() > 0 ? LatencyBenchmark.ms(r.latency().getValueAtPercentile(99))
                : Double.NaN;
        double lag = LatencyBenchmark.ms(r.producerLag().getValueAtPercentile(99));
        return new Step(r.rate(), judge(r.keptUp(), r.keptUp() ? p99 : Double.POSITIVE_INFINITY, lag, p99LimitMs), p99, lag,
                r.handledRate());
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
