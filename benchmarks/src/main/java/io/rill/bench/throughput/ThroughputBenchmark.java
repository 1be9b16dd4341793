package io.rill.bench.throughput;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.lettuce.core.api.StatefulRedisConnection;
import io.rill.bench.CostProbe;
import io.rill.bench.HarnessClient;
import io.rill.bench.Streams;
import io.rill.bench.contender.Contender;

/**
 * Every contender consumes the same pre-loaded stream with a no-op handler, each time in a group of
 * its own created at {@code 0}, one contender after the other, alternating over rounds after a
 * warm-up on a smaller stream. A run's time goes from {@code start} (connections included) to the
 * moment every entry was handled and the group has nothing pending. A run that leaves anything
 * pending, or handles an entry twice, fails the benchmark.
 */
public final class ThroughputBenchmark {

    /** A run without progress for this long is a hang, not a slow contender. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final String STREAM = "bench:throughput";
    private static final String WARM_UP_STREAM = "bench:throughput:warm-up";

    public record Settings(int entries, int warmUpEntries, int rounds, int payload) {
    }

    /** The runs of one contender: msg/s, and what each entry cost in each run. */
    public record Result(Contender contender, List<Double> rates, List<CostProbe.Cost> costs) {
        public double median() {
            return median(rates);
        }

        /** Median over the runs of Redis CPU per entry, µs. */
        public double redisMicros() {
            return median(costs.stream().map(CostProbe.Cost::redisMicros).toList());
        }

        /** The most that other processes took of the machine's CPU in any of the runs, 0 to 1 (-1 unknown). */
        public double othersShareMax() {
            return costs.stream().mapToDouble(CostProbe.Cost::othersShare).max().orElse(-1);
        }

        /** Median over the runs of the consumer's CPU per entry in this JVM, µs. */
        public double consumerMicros() {
            return median(costs.stream().map(CostProbe.Cost::consumerMicros).toList());
        }

        private static double median(List<Double> values) {
            if (values.isEmpty()) {
                return 0;
            }
            List<Double> sorted = values.stream().sorted().toList();
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }
    }

    private record Run(double rate, CostProbe.Cost cost) {
    }

    private final String uri;
    private final Settings settings;
    private final List<Contender> contenders;

    public ThroughputBenchmark(String uri, Settings settings, List<Contender> contenders) {
        this.uri = uri;
        this.settings = settings;
        this.contenders = contenders;
    }

    public List<Result> run() throws Exception {
        HarnessClient harness = new HarnessClient(uri);
        try (StatefulRedisConnection<String, String> admin = harness.client().connect()) {
            CostProbe probe = new CostProbe(admin);
            admin.sync().del(STREAM, WARM_UP_STREAM);
            System.out.printf(Locale.ROOT, "throughput: loading %,d + %,d entries of %d bytes%n", settings.entries(),
                    settings.warmUpEntries(), settings.payload());
            Streams.fill(admin, STREAM, settings.entries(), settings.payload());
            Streams.fill(admin, WARM_UP_STREAM, settings.warmUpEntries(), settings.payload());
            for (Contender contender : contenders) {
                Run run = consume(admin, probe, contender, WARM_UP_STREAM, "warm-up", settings.warmUpEntries());
                System.out.printf(Locale.ROOT, "warm-up  %-40s %,12.0f msg/s%n", contender.name(), run.rate());
            }
            Map<Contender, List<Run>> runs = new LinkedHashMap<>();
            for (int round = 1; round <= settings.rounds(); round++) {
                for (Contender contender : contenders) {
                    System.gc(); // not in the middle of a run
                    Run run = consume(admin, probe, contender, STREAM, "round-" + round, settings.entries());
                    runs.computeIfAbsent(contender, c -> new ArrayList<>()).add(run);
                    System.out.printf(Locale.ROOT, "round %d  %-40s %,12.0f msg/s  µs/entry: redis %.2f consumer %.2f%n",
                            round, contender.name(), run.rate(), run.cost().redisMicros(), run.cost().consumerMicros());
                    if (Boolean.getBoolean(CostProbe.DIAGNOSTICS)) {
                        run.cost().threadMicros().forEach((g, micros) -> System.out.printf(Locale.ROOT,
                                "    cpu %-40s %8.2f µs/entry%n", g, micros));
                        run.cost().threadSwitches().forEach((g, n) -> System.out.printf(Locale.ROOT,
                                "    switches %-35s %8.3f /entry%n", g, n));
                    }
                }
            }
            admin.sync().del(STREAM, WARM_UP_STREAM);
            List<Result> results = new ArrayList<>();
            runs.forEach((contender, list) -> results.add(new Result(contender, list.stream().map(Run::rate).toList(),
                    list.stream().map(Run::cost).toList())));
            return results;
        } finally {
            harness.close();
        }
    }

    /** One run: a fresh group at 0, consumed to the end. */
    @SuppressWarnings("try") // the consumption only has to be closed
    private Run consume(StatefulRedisConnection<String, String> admin, CostProbe probe, Contender contender, String stream,
            String label, int entries) throws Exception {
        String group = label + "-" + Streams.keyPart(contender.name());
        Streams.createGroup(admin, stream, group, "0");
        LongAdder handled = new LongAdder();
        CostProbe.Reading before = probe.read();
        long start = System.nanoTime();
        long nanos;
        CostProbe.Reading after;
        try (Contender.Consumption ignored = contender.start(uri, stream, group, fields -> {
            sink(fields);
            handled.increment();
        })) {
            awaitDone(admin, contender, stream, group, handled, entries);
            nanos = System.nanoTime() - start;
            after = probe.read();
        }
        long pending = Streams.pending(admin, stream, group);
        if (pending != 0 || handled.sum() != entries) {
            throw new IllegalStateException(contender.name() + " handled " + handled.sum() + " of " + entries
                    + " entries and left " + pending + " pending");
        }
        admin.sync().xgroupDestroy(stream, group);
        return new Run(entries / (nanos / 1e9), CostProbe.between(before, after, entries));
    }

    /** Waits until every entry was handled and the group has nothing pending. */
    private static void awaitDone(StatefulRedisConnection<String, String> admin, Contender contender, String stream,
            String group, LongAdder handled, int entries) throws InterruptedException {
        long last = -1;
        long lastProgress = System.nanoTime();
        while (true) {
            long now = handled.sum();
            // XPENDING only once everything was handled, so the probe does not load Redis during the run
            if (now >= entries && Streams.pending(admin, stream, group) == 0) {
                return;
            }
            if (now != last) {
                last = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALL_NANOS) {
                throw new IllegalStateException(contender.name() + " made no progress for 60 s at " + now + " of "
                        + entries + " entries");
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }

    private static volatile Object sink;

    /** The no-op handler: keeps the fields reachable so the JIT cannot drop the work that made them. */
    private static void sink(Map<String, String> fields) {
        sink = fields;
    }
}
