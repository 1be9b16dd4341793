package io.rill.bench.latency;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.lettuce.core.api.StatefulRedisConnection;
import io.rill.bench.CostProbe;
import io.rill.bench.HarnessClient;
import io.rill.bench.Streams;
import io.rill.bench.contender.Contender;
import io.rill.bench.trace.HandlerMark;

/**
 * End-to-end latency, XADD to handler: a producer in a JVM of its own ({@link ProducerProcess}) XADDs
 * at a fixed rate to a fresh stream while one contender consumes it in this JVM. Each entry carries the {@code System.nanoTime()} at
 * which the schedule said it was due (not when it was actually sent), so a producer that falls behind
 * charges its delay to the entries instead of hiding it (coordinated omission). The handler records
 * {@code now - due} in an HdrHistogram. Entries due in the warm-up are not recorded.
 *
 * <p>A contender keeps up when it has handled every measured entry within {@code drainGrace} after the
 * producer stopped; otherwise it is reported as saturated, with the rate it did handle.
 */
public final class LatencyBenchmark {

    /** @param rounds phases per rate and contender; the one with the median p99 is reported */
    public record Settings(List<Integer> rates, Duration warmUp, Duration measure, Duration drainGrace, int payload,
            int rounds) {

        public Settings {
            if (rounds < 1) {
                throw new IllegalArgumentException("--latency-rounds must be at least 1, was " + rounds);
            }
        }

        public Settings(List<Integer> rates, Duration warmUp, Duration measure, Duration drainGrace, int payload) {
            this(rates, warmUp, measure, drainGrace, payload, 1);
        }
    }

    /**
     * One contender at one rate.
     *
     * @param produced     entries due in the measured window (all were sent)
     * @param handled      of those, how many the handler saw before the drain grace ended
     * @param handledRate  entries (of any age) the handler saw per second of the measured window
     * @param latency      XADD due time to handler, ns, of the handled measured entries
     * @param producerLag  how late the producer sent each measured entry against its schedule, ns
     * @param cost         reads, acks and CPU per entry during the measured window
     * @param diagnostics  what the contender reported of itself (with -Dbench.diagnostics=true)
     * @param gc           the harness JVM's garbage collections during the measured window
     * @param tail         what held up the entries at or above the p99, and those at or above the p99.9
     * @param rounds       when this is the median of several rounds: every round of its rate, in the order they ran
     */
    public record Result(Contender contender, int rate, long produced, long handled, double handledRate,
            Histogram latency, Histogram producerLag, CostProbe.Cost cost, String diagnostics, GcPauses.Summary gc,
            List<TailCauses.Finding> tail, List<Result> rounds) {

        /** One round. */
        public Result(Contender contender, int rate, long produced, long handled, double handledRate, Histogram latency,
                Histogram producerLag, CostProbe.Cost cost, String diagnostics, GcPauses.Summary gc, List<TailCauses.Finding> tail) {
            this(contender, rate, produced, handled, handledRate, latency, producerLag, cost, diagnostics, gc, tail, List.of());
        }

        public boolean keptUp() {
            return handled == produced;
        }

        public Result withRounds(List<Result> all) {
            return new Result(contender, rate, produced, handled, handledRate, latency, producerLag, cost, diagnostics, gc,
                    tail, List.copyOf(all));
        }
    }

    /**
     * In how many rounds {@code mine} was no worse than {@code reference} at p99 and at p99.9, pairing the rounds in
     * the order they ran (the contenders take turns, so a pair shared the machine's spell); a round that fell behind
     * is worse than one that kept up. Null when the two do not have the same rounds (fewer than two).
     *
     * @return {p99, p99.9}
     */
    public static int[] noWorseRounds(Result mine, Result reference) {
        List<Result> a = mine.rounds();
        List<Result> b = reference.rounds();
        if (a.size() < 2 || a.size() != b.size()) {
            return null;
        }
        int[] counts = new int[2];
        for (int i = 0; i < a.size(); i++) {
            Result m = a.get(i);
            Result r = b.get(i);
            counts[0] += noWorse(m.keptUp(), m.latency(), r.keptUp(), r.latency(), 99) ? 1 : 0;
            counts[1] += noWorse(m.keptUp(), m.latency(), r.keptUp(), r.latency(), 99.9) ? 1 : 0;
        }
        return counts;
    }

    /**
     * One round's verdict at {@code percentile}: beside a reference that fell behind anything is no worse; one that
     * fell behind is worse than one that kept up.
     */
    static boolean noWorse(boolean mineKeptUp, Histogram mine, boolean referenceKeptUp, Histogram reference, double percentile) {
        return !referenceKeptUp
                || mineKeptUp && mine.getValueAtPercentile(percentile) <= reference.getValueAtPercentile(percentile);
    }

    private final String uri;
    private final Settings settings;
    private final List<Contender> contenders;
    private final boolean ownsRedis;
    private final List<String> isolationNotes = new ArrayList<>();
    /** Open while {@link #run} or {@link #sweep} runs. */
    private GcPauses gcPauses;
    /** The slow entries of the phase that runs (one for the run: it holds 16 MB). */
    private final TailCauses tailCauses = new TailCauses();

    /**
     * @param ownsRedis whether the harness started this Redis, so each phase may begin with FLUSHALL
     */
    public LatencyBenchmark(String uri, Settings settings, List<Contender> contenders, boolean ownsRedis) {
        this.uri = uri;
        this.settings = settings;
        this.contenders = contenders;
        this.ownsRedis = ownsRedis;
    }

    /** Whatever the run found not isolated (leftover threads, clients); empty when every phase was clean. */
    public List<String> isolationNotes() {
        return List.copyOf(isolationNotes);
    }

    public List<Result> run() throws Exception {
        List<Result> results = new ArrayList<>();
        HarnessClient harness = new HarnessClient(uri);
        gcPauses = new GcPauses();
        try (StatefulRedisConnection<String, String> admin = harness.client().connect();
                ProducerProcess producer = ProducerProcess.start(uri, settings.payload())) {
            CostProbe probe = new CostProbe(admin);
            probe.countAsHarness(producer::cpuNanos);
            Isolation isolation = new Isolation(admin, ownsRedis);
            // JIT: each contender once at the highest rate, not reported (matters when run without the throughput benchmark)
            int highest = settings.rates().stream().mapToInt(Integer::intValue).max().orElse(1000);
            for (Contender contender : contenders) {
                phase(admin, probe, isolation, producer, contender, highest, settings.warmUp(), Duration.ofSeconds(1));
            }
            for (int rate : settings.rates()) {
                // rounds interleave the contenders, so that a slow spell of the machine hits each of them
                Map<Contender, List<Result>> rounds = new LinkedHashMap<>();
                for (int round = 0; round < settings.rounds(); round++) {
                    for (Contender contender : contenders) {
                        Result result = phase(admin, probe, isolation, producer, contender, rate, settings.warmUp(), settings.measure());
                        rounds.computeIfAbsent(contender, c -> new ArrayList<>()).add(result);
                        print(result);
                    }
                }
                Result first = null; // the first contender (the plain loop when it runs), which the others are paired with
                for (Map.Entry<Contender, List<Result>> each : rounds.entrySet()) {
                    List<Result> all = each.getValue();
                    Result median = all.size() > 1 ? median(all).withRounds(all) : all.get(0);
                    if (all.size() > 1) {
                        String paired = "";
                        int[] noWorse = first != null ? noWorseRounds(median, first) : null;
                        if (noWorse != null) {
                            paired = String.format(Locale.ROOT, "; no worse than %s in p99 %d, p99.9 %d of %d rounds",
                                    first.contender().name(), noWorse[0], noWorse[1], all.size());
                        }
                        printMedian(each.getKey(), rate, all, paired);
                    }
                    if (first == null) {
                        first = median;
                    }
                    results.add(median);
                }
            }
            isolationNotes.addAll(isolation.notes());
        } finally {
            gcPauses.close();
            harness.close();
        }
        return results;
    }

    private static void printMedian(Contender contender, int rate, List<Result> rounds, String more) {
        System.out.printf(Locale.ROOT, "latency %,7d/s  %-36s median of %d rounds by p99 (p99s: %s)%s%n", rate,
                contender.name(), rounds.size(), rounds.stream().map(r -> r.keptUp()
                        ? String.format(Locale.ROOT, "%.3g", ms(r.latency().getValueAtPercentile(99))) : "saturated")
                        .collect(Collectors.joining(", ")), more);
    }

    /** The round with the median p99; a saturated round counts as the longest. */
    static Result median(List<Result> rounds) {
        List<Result> sorted = new ArrayList<>(rounds);
        sorted.sort(Comparator.comparingDouble(r -> r.keptUp() ? r.latency().getValueAtPercentile(99) : Double.MAX_VALUE));
        return sorted.get((sorted.size() - 1) / 2);
    }

    /**
     * For each contender, phases at rising rates until one is not sustained ({@link RateSweep#judge}); with
     * {@code --latency-rounds} above 1, each step runs that many phases and the one with the median p99 is judged.
     */
    public List<RateSweep.Outcome> sweep(RateSweep sweep) throws Exception {
        List<RateSweep.Outcome> outcomes = new ArrayList<>();
        HarnessClient harness = new HarnessClient(uri);
        gcPauses = new GcPauses();
        ProducerProcess producer = null;
        try (StatefulRedisConnection<String, String> admin = harness.client().connect()) {
            producer = ProducerProcess.start(uri, settings.payload());
            CostProbe probe = new CostProbe(admin);
            probe.countAsHarness(producer::cpuNanos);
            Isolation isolation = new Isolation(admin, ownsRedis);
            for (Contender contender : contenders) {
                // JIT: one short unreported phase at the first rate
                phase(admin, probe, isolation, producer, contender, sweep.rates().get(0), settings.warmUp(), Duration.ofSeconds(1));
                List<RateSweep.Step> steps = new ArrayList<>();
                for (int rate : sweep.rates()) {
                    List<Result> rounds = new ArrayList<>();
                    for (int round = 0; round < settings.rounds(); round++) {
                        Result result;
                        try {
                            result = phase(admin, probe, isolation, producer, contender, rate, settings.warmUp(), settings.measure());
                        } catch (RuntimeException e) {
                            if (producer.alive()) {
                                throw e; // the contender's or the harness's failure, not the producer's
                            }
                            // the rate was never offered: a step of its own, and a new producer for the next contender
                            System.out.printf(Locale.ROOT, "latency %,7d/s  %-36s the producer failed: %s%n", rate, contender.name(), e);
                            producer.close();
                            producer = ProducerProcess.start(uri, settings.payload());
                            probe.countAsHarness(producer::cpuNanos);
                            rounds = null;
                            break;
                        }
                        print(result);
                        rounds.add(result);
                    }
                    if (rounds == null) {
                        steps.add(RateSweep.producerFailed(rate));
                        break;
                    }
                    if (rounds.size() > 1) {
                        printMedian(contender, rate, rounds, "");
                    }
                    RateSweep.Step step = sweep.step(median(rounds));
                    steps.add(step);
                    if (step.verdict() != RateSweep.Verdict.SUSTAINED) {
                        break;
                    }
                }
                RateSweep.Outcome outcome = new RateSweep.Outcome(contender.name(), contender.semantics(), steps);
                System.out.printf(Locale.ROOT, "sweep %-40s %s%n", contender.name(), outcome.summary(sweep.p99LimitMs()));
                outcomes.add(outcome);
            }
            isolationNotes.addAll(isolation.notes());
        } finally {
            if (producer != null) {
                producer.close();
            }
            gcPauses.close();
            harness.close();
        }
        return outcomes;
    }

    /**
     * One contender at one rate, isolated from what ran before: an empty Redis with only the harness
     * connected, the producer in a JVM of its own (one for the run, kept warm), and afterwards the contender closed (a saturated one
     * too), its stream deleted and its threads checked gone.
     */
    @SuppressWarnings("try") // the consumption only has to be closed
    private Result phase(StatefulRedisConnection<String, String> admin, CostProbe probe, Isolation isolation,
            ProducerProcess producer, Contender contender, int rate, Duration warmUp, Duration measure) throws Exception {
        System.gc(); // not in the middle of a phase
        isolation.quietRedis();
        String stream = "bench:latency:" + rate + ":" + Streams.keyPart(contender.name());
        String group = "lat"; // short: Rill's thread names carry it, and Linux keeps 15 characters of a name
        admin.sync().del(stream);
        Streams.createGroup(admin, stream, group, "$");
        Recorder latency = new Recorder(3);
        LongAdder handled = new LongAdder();
        LongAdder handledAll = new LongAdder(); // warm-up entries too: what the consumer managed per second
        AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE); // set before the first XADD
        tailCauses.clear();
        ProducerProcess.Produced produced;
        Window window;
        long from;
        long end;
        String diagnostics;
        Set<Long> threadsBefore = isolation.snapshot();
        try (Contender.Consumption consumption = contender.start(uri, stream, group, fields -> {
            if (HandlerMark.ON) {
                HandlerMark.mark();
            }
            long due = Long.parseLong(fields.get("t"));
            long now = System.nanoTime();
            handledAll.increment();
            if (due >= measureFrom.get()) {
                latency.recordValue(now - due);
                tailCauses.record(due, now - due);
                handled.increment();
            }
        })) {
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
            from = start + warmUp.toNanos();
            end = from + measure.toNanos();
            measureFrom.set(from);
            window = new Window(probe, handledAll, from, end);
            Thread probing = Thread.ofPlatform().name(CostProbe.HARNESS_THREAD_PREFIX + "probe").start(window);
            producer.go(stream, rate, start, from, end);
            produced = producer.awaitDone(warmUp.plus(measure).plusSeconds(60));
            probing.join();
            long toHandle = produced.measured();
            awaitCaughtUp(settings.drainGrace(), () -> handled.sum() >= toHandle);
            diagnostics = consumption.diagnostics();
        }
        admin.sync().del(stream);
        isolation.awaitThreadsGone(threadsBefore, contender.name());
        if (window.failure != null) {
            throw new IllegalStateException("cost probe failed", window.failure);
        }
        long measured = produced.measured();
        long handledInWindow = window.handledAtEnd - window.handledAtStart;
        Histogram histogram = latency.getIntervalHistogram();
        GcPauses.Summary gc = gcPauses.between(window.startInstant, window.endInstant);
        TailCauses.Holdups holdups = gcPauses.holdups(produced, from, end + histogram.getMaxValue());
        List<TailCauses.Finding> tail = new ArrayList<>();
        for (double percentile : new double[] {99, 99.9}) {
            // the entries the percentile counts: at or above the lowest value of its histogram bucket
            long atOrAbove = histogram.lowestEquivalentValue(histogram.getValueAtPercentile(percentile));
            tail.add(tailCauses.explain(percentile == 99 ? "p99" : "p99.9", atOrAbove, from, end, holdups));
        }
        return new Result(contender, rate, measured, Math.min(handled.sum(), measured),
                handledInWindow / (measure.toNanos() / 1e9), histogram, produced.lag(),
                CostProbe.between(window.start, window.endReading, handledInWindow), diagnostics, gc, tail);
    }

    /** Reads the costs at the start and the end of the measured window, off the producer's thread. */
    private static final class Window implements Runnable {
        private final CostProbe probe;
        private final LongAdder handledAll;
        private final long from;
        private final long end;
        CostProbe.Reading start;
        CostProbe.Reading endReading;
        Instant startInstant;
        Instant endInstant;
        long handledAtStart;
        long handledAtEnd;
        volatile RuntimeException failure;

        Window(CostProbe probe, LongAdder handledAll, long from, long end) {
            this.probe = probe;
            this.handledAll = handledAll;
            this.from = from;
            this.end = end;
        }

        @Override
        public void run() {
            try {
                parkUntil(from);
                handledAtStart = handledAll.sum();
                startInstant = Instant.now();
                start = probe.read();
                parkUntil(end);
                handledAtEnd = handledAll.sum();
                endInstant = Instant.now();
                endReading = probe.read();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
    }

    /** Waits up to {@code grace} after the producer stopped for {@code caughtUp}: a contender that needs longer fell behind. */
    static void awaitCaughtUp(Duration grace, BooleanSupplier caughtUp) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        while (!caughtUp.getAsBoolean() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }

    private static long parkUntil(long deadline) {
        return ProducerProcess.parkUntil(deadline);
    }

    private static void print(Result r) {
        Histogram h = r.latency();
        CostProbe.Cost c = r.cost();
        System.out.printf(Locale.ROOT, "latency %,7d/s  %-36s p50 %8.3f  p99 %8.3f  p999 %8.3f  max %8.3f ms"
                + "  handled %,d/%,d%s  lag p99 %.3f ms | per 1k entries: %.1f reads %.1f acks %.1f connections | µs/entry: redis %.1f"
                + " consumer %.1f jvm %.1f producer %.1f | %s | others' CPU %s, stolen by the hypervisor %s%n", r.rate(), r.contender().name(),
                ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)),
                ms(h.getMaxValue()), r.handled(), r.produced(), r.keptUp() ? "" : " SATURATED",
                ms(r.producerLag().getValueAtPercentile(99)), c.readsPerThousand(), c.acksPerThousand(), c.connectionsPerThousand(), c.redisMicros(),
                c.consumerMicros(), c.processMicros(), c.producerMicros(), r.gc(),
                percent(c.othersShare()), percent(c.stolenShare()));
        if (r.keptUp()) {
            r.tail().forEach(finding -> System.out.println("    " + finding));
        }
        if (Boolean.getBoolean(CostProbe.DIAGNOSTICS)) {
            c.threadMicros().forEach((group, micros) -> System.out.printf(Locale.ROOT, "    cpu %-40s %8.1f µs/entry%n", group, micros));
            c.threadSwitches().forEach((group, n) -> System.out.printf(Locale.ROOT, "    switches %-35s %8.2f /entry%n", group, n));
            c.threadRunQueueMicros().forEach((group, micros) -> System.out.printf(Locale.ROOT,
                    "    run-queue wait %-29s %8.2f µs/entry%n", group, micros));
            if (!r.diagnostics().isEmpty()) {
                System.out.println("    " + r.diagnostics());
            }
        }
    }

    private static String percent(double share) {
        return share < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f%%", share * 100);
    }

    public static double ms(long nanos) {
        return nanos / 1e6;
    }
}
