package io.rill.bench.latency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.HdrHistogram.Histogram;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.bench.CostProbe;

/**
 * What the machine itself puts under every latency figure: one thread sends a synchronous {@code PING}
 * at a fixed rate through a plain Lettuce client and records each round trip from its due time
 * ({@code benchmarks/run floor}). A round trip crosses the same hand-offs as one entry's way from the
 * producer through Redis to a consumer's handler (a client thread, its I/O thread, Redis, back), with
 * no stream, consumer or second process, so a consumer's tail cannot be shorter than this one's on the
 * same machine. Also gives the CPU each round trip cost the client and Redis: where wake-ups are dear
 * (some VMs) that shows here first.
 */
public final class RoundTripFloor {

    /**
     * One rate, one round.
     *
     * @param keptUp false when the round trips took over a tenth longer than the round: the client, not the
     *               machine's tail, set the figures (one synchronous client does at most 1 / round trip per second)
     */
    public record Result(int rate, Histogram latency, double clientMicros, double redisMicros, boolean keptUp) {
    }

    /** The rate of {@link #check}: one a millisecond, the lowest rate of the latency phases. */
    public static final int CHECK_RATE = 1000;

    /** Enough calls for the JIT's second tier to compile the client's path (its threshold is about 10,000). */
    private static final int WARM_UP_ROUND_TRIPS = 30_000;

    private RoundTripFloor() {
    }

    /** @param probe reads this JVM's and Redis's CPU around each round */
    public static List<Result> run(RedisClient client, CostProbe probe, List<Integer> rates, Duration measure, int rounds) {
        System.out.printf(Locale.ROOT, "floor   clock read (System.nanoTime)   %.1f ns%n", clockReadNanos());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            warmUp(sync);
            List<Result> results = new ArrayList<>();
            for (int rate : rates) {
                for (int round = 0; round < rounds; round++) {
                    results.add(round(sync, probe, rate, measure));
                }
            }
            return results;
        }
    }

    /**
     * One round at {@value #CHECK_RATE}/s, as a full run takes it before its first phase and after its last: the
     * machine's own tail then, written beside the figures (the load average and others' CPU miss a hypervisor's
     * stalls, which this shows).
     */
    public static Result check(RedisClient client, CostProbe probe, Duration measure) {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            warmUp(sync);
            return round(sync, probe, CHECK_RATE, measure);
        }
    }

    /**
     * Unpaced round trips before any measured one, so the client's path is compiled first: a second at the
     * measured rate (a thousand) left the first round's p99 at 0.7-1.8 ms against 0.34-0.37 for the rounds after
     * it, at twice their client CPU per round trip, on a machine that was otherwise quiet.
     */
    private static void warmUp(RedisCommands<String, String> sync) {
        for (int i = 0; i < WARM_UP_ROUND_TRIPS; i++) {
            sync.ping();
        }
    }

    private static Result round(RedisCommands<String, String> sync, CostProbe probe, int rate, Duration measure) {
        Histogram latency = new Histogram(3);
        CostProbe.Reading start = probe.read();
        long n = ping(sync, rate, measure, latency);
        CostProbe.Reading end = probe.read();
        boolean keptUp = end.nanoTime() - start.nanoTime() <= measure.toNanos() * 11 / 10;
        double clientMicros = (end.processCpuNanos() - start.processCpuNanos()) / 1e3 / n;
        double redisMicros = (end.redisCpuSeconds() - start.redisCpuSeconds()) * 1e6 / n;
        Result result = new Result(rate, latency, clientMicros, redisMicros, keptUp);
        print(result);
        return result;
    }

    /**
     * What one {@code System.nanoTime()} costs here, best of 5 runs of 10 million: a few ns on bare metal's TSC,
     * tens on a VM's {@code kvm-clock}. Rill reads the clock twice per handler call when it times them (a
     * registry is given), so this is part of its CPU per entry on such a machine.
     */
    static double clockReadNanos() {
        int reads = 10_000_000;
        double best = Double.MAX_VALUE;
        long sink = 0;
        for (int run = 0; run < 5; run++) {
            long start = System.nanoTime();
            for (int i = 0; i < reads; i++) {
                sink += System.nanoTime();
            }
            best = Math.min(best, (System.nanoTime() - start) / (double) reads);
        }
        if (sink == 42) { // keeps the reads from being dropped as dead code
            System.out.print("");
        }
        return best;
    }

    private static long ping(RedisCommands<String, String> sync, int rate, Duration measure, Histogram latency) {
        long start = System.nanoTime();
        long n = measure.toNanos() * rate / 1_000_000_000L;
        for (long i = 0; i < n; i++) {
            long due = start + i * 1_000_000_000L / rate;
            ProducerProcess.parkUntil(due);
            sync.ping();
            latency.recordValue(System.nanoTime() - due);
        }
        return n;
    }

    private static void print(Result r) {
        Histogram h = r.latency();
        System.out.printf(Locale.ROOT, "floor   %,7d/s  PING round trip          p50 %8.3f  p99 %8.3f  p999 %8.3f  max %8.3f ms"
                + " | µs per round trip: client %.1f redis %.1f%s%n", r.rate(), LatencyBenchmark.ms(h.getValueAtPercentile(50)),
                LatencyBenchmark.ms(h.getValueAtPercentile(99)), LatencyBenchmark.ms(h.getValueAtPercentile(99.9)),
                LatencyBenchmark.ms(h.getMaxValue()), r.clientMicros(), r.redisMicros(),
                r.keptUp() ? "" : " | could not keep the rate: the figures are the client's backlog");
    }
}
