package io.rill.bench.latency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.lettuce.core.api.StatefulRedisConnection;
import io.rill.bench.CostProbe;
import io.rill.bench.HarnessClient;
import io.rill.bench.Streams;
import io.rill.bench.contender.Contender;
import io.rill.bench.contender.EntrySink;

/**
 * The plain loop and one other contender at once on one stream, each in a group of its own: every entry reaches
 * both, so a late producer, a slow Redis, a GC (one JVM holds both) or a stalled VM holds up the same entries of
 * each. The isolated phases of {@link LatencyBenchmark} cannot pair their contenders that closely: on a machine
 * whose stalls set a phase's tail, the stalls a phase happened to meet decide its round. The price is that the two
 * share the CPU with each other, so these figures are not the isolated ones and are printed apart from them.
 *
 * <p>With {@code --control on}, a loop is also paired with a second loop: what the method gives two equal
 * contenders (how often the second comes out no worse, how far apart their p99s are). Which of a pair is started
 * first alternates between rounds. One bias is the pairing's own: Redis answers the reads blocked on a stream in the
 * order they blocked but writes the replies in the opposite order, so a contender that reads again sooner after its
 * handler (Rill) hears of an entry about 0.01 ms after the loop at 1,000/s; {@code --control early-read} measures it
 * with a loop that reads again as soon.
 */
public final class SideBySide {

    /** The reference's group; the other contender's is {@code "lat"}, as in the isolated phases (Rill names threads by it). */
    private static final String REFERENCE_GROUP = "loop";
    private static final String OTHER_GROUP = "lat";

    /**
     * One phase of a pair.
     *
     * @param reference what the loop handled (its latencies, of the measured entries)
     * @param other     what the other contender handled
     * @param entries   the two compared entry by entry
     * @param stolen    share of the machine's CPU the hypervisor took in the measured window; -1 when unknown
     */
    public record Phase(Contender contender, int rate, int round, boolean referenceFirst, long produced, Side reference,
            Side other, Entries entries, double stolen) {

        /** {p99, p99.9}: whether the other contender was no worse than the loop; one that fell behind is worse. */
        boolean[] noWorse() {
            boolean otherKeptUp = other.keptUp(produced);
            boolean referenceKeptUp = reference.keptUp(produced);
            return new boolean[] {
                    LatencyBenchmark.noWorse(otherKeptUp, other.latency(), referenceKeptUp, reference.latency(), 99),
                    LatencyBenchmark.noWorse(otherKeptUp, other.latency(), referenceKeptUp, reference.latency(), 99.9)};
        }
    }

    /** One contender's part of a phase: its latency histogram (XADD due time to handler, ns) and how many it handled. */
    public record Side(Histogram latency, long handled) {

        boolean keptUp(long produced) {
            return handled == produced;
        }
    }

    /**
     * The entries both handled, compared one by one.
     *
     * @param both           measured entries both contenders handled
     * @param otherNoLater   share of them the other contender handled no later after its due time than the loop did
     * @param difference     the other's latency minus the loop's, ns, at the 1st, 50th and 99th percentile of the entries
     * @param sharedTail     of the entries at or above the loop's p99, the share at or above the other's p99 too: how much
     *                       of the two tails is the same entries, held up by the same thing
     */
    public record Entries(long both, double otherNoLater, long[] difference, double sharedTail) {

        /**
         * @param reference latencies by entry index, 0 where not handled
         * @param other     the same for the other contender
         * @param from      index of the first measured entry; {@code to}: one past the last
         */
        static Entries compare(long[] reference, long[] other, int from, int to) {
            long[] differences = new long[to - from];
            long[] refs = new long[to - from];
            long[] others = new long[to - from];
            int n = 0;
            int noLater = 0;
            for (int i = from; i < to; i++) {
                if (reference[i] == 0 || other[i] == 0) {
                    continue;
                }
                differences[n] = other[i] - reference[i];
                refs[n] = reference[i];
                others[n] = other[i];
                n++;
                if (other[i] <= reference[i]) {
                    noLater++;
                }
            }
            if (n == 0) {
                return new Entries(0, Double.NaN, new long[3], Double.NaN);
            }
            long refP99 = percentile(Arrays.copyOf(refs, n), 99);
            long otherP99 = percentile(Arrays.copyOf(others, n), 99);
            int inRefTail = 0;
            int inBoth = 0;
            for (int i = 0; i < n; i++) {
                if (refs[i] >= refP99) {
                    inRefTail++;
                    if (others[i] >= otherP99) {
                        inBoth++;
                    }
                }
            }
            long[] sorted = Arrays.copyOf(differences, n);
            Arrays.sort(sorted);
            return new Entries(n, (double) noLater / n,
                    new long[] {at(sorted, 1), at(sorted, 50), at(sorted, 99)}, (double) inBoth / inRefTail);
        }

        private static long percentile(long[] values, double percentile) {
            Arrays.sort(values);
            return at(values, percentile);
        }

        /** The value at or below which {@code percentile} % of the sorted values lie (nearest rank). */
        private static long at(long[] sorted, double percentile) {
            int rank = (int) Math.ceil(percentile / 100 * sorted.length);
            return sorted[Math.max(0, rank - 1)];
        }
    }

    /**
     * The producer's {@code i}-th entry is due at {@code start + i * 1e9 / rate} (integer division, see
     * {@link ProducerProcess#produce}); this gives {@code i} back from that due time.
     */
    static int index(long due, long start, int rate) {
        return Math.toIntExact(Math.ceilDiv((due - start) * rate, 1_000_000_000L));
    }

    private final String uri;
    private final LatencyBenchmark.Settings settings;
    private final Contender reference;
    private final List<Contender> others;
    private final boolean ownsRedis;

    /**
     * @param reference the plain loop
     * @param others    what is paired with it, each in turn ({@link io.rill.bench.contender.Contenders#secondLoop} for the
     *                  method's control)
     */
    public SideBySide(String uri, LatencyBenchmark.Settings settings, Contender reference, List<Contender> others, boolean ownsRedis) {
        this.uri = uri;
        this.settings = settings;
        this.reference = reference;
        this.others = List.copyOf(others);
        this.ownsRedis = ownsRedis;
    }

    public List<Phase> run() throws Exception {
        List<Phase> phases = new ArrayList<>();
        try (HarnessClient harness = new HarnessClient(uri);
                StatefulRedisConnection<String, String> admin = harness.client().connect();
                ProducerProcess producer = ProducerProcess.start(uri, settings.payload())) {
            CostProbe probe = new CostProbe(admin);
            Isolation isolation = new Isolation(admin, ownsRedis);
            int highest = settings.rates().stream().mapToInt(Integer::intValue).max().orElse(1000);
            for (Contender other : others) { // JIT: each pair once at the highest rate, not reported
                phase(admin, probe, isolation, producer, other, highest, 0, true, Duration.ofSeconds(1));
            }
            for (int rate : settings.rates()) {
                Map<Contender, List<Phase>> rounds = new LinkedHashMap<>();
                for (int round = 0; round < settings.rounds(); round++) {
                    for (Contender other : others) {
                        Phase phase = phase(admin, probe, isolation, producer, other, rate, round, round % 2 == 0, settings.measure());
                        print(phase);
                        rounds.computeIfAbsent(other, c -> new ArrayList<>()).add(phase);
                        phases.add(phase);
                    }
                }
                rounds.values().forEach(SideBySide::printRounds);
            }
            System.out.println(isolation.notes().isEmpty() ? "isolation: every phase started on an emptied Redis with only the "
                    + "harness connected; both contenders' threads were gone after they closed" : "isolation: notes above");
        }
        return phases;
    }

    @SuppressWarnings("try") // the consumptions only have to be closed
    private Phase phase(StatefulRedisConnection<String, String> admin, CostProbe probe, Isolation isolation, ProducerProcess producer,
            Contender other, int rate, int round, boolean referenceFirst, Duration measure) throws Exception {
        System.gc(); // not in the middle of a phase
        isolation.quietRedis();
        String stream = "bench:pair:" + rate + ":" + Streams.keyPart(other.name());
        admin.sync().del(stream);
        Streams.createGroup(admin, stream, REFERENCE_GROUP, "$");
        Streams.createGroup(admin, stream, OTHER_GROUP, "$");
        int entries = index(settings.warmUp().plus(measure).toNanos(), 0, rate);
        Recording ref = new Recording(rate, entries);
        Recording mine = new Recording(rate, entries);
        Set<Long> threadsBefore = isolation.snapshot();
        ProducerProcess.Produced produced;
        CostProbe.Reading atFrom;
        CostProbe.Reading atEnd;
        long start;
        long from;
        long end;
        try (Contender.Consumption first = referenceFirst ? reference.start(uri, stream, REFERENCE_GROUP, ref)
                : other.start(uri, stream, OTHER_GROUP, mine);
                Contender.Consumption second = referenceFirst ? other.start(uri, stream, OTHER_GROUP, mine)
                        : reference.start(uri, stream, REFERENCE_GROUP, ref)) {
            start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
            from = start + settings.warmUp().toNanos();
            end = from + measure.toNanos();
            ref.begin(start, from);
            mine.begin(start, from);
            producer.go(stream, rate, start, from, end);
            ProducerProcess.parkUntil(from);
            atFrom = probe.read();
            ProducerProcess.parkUntil(end);
            atEnd = probe.read();
            produced = producer.awaitDone(settings.warmUp().plus(measure).plusSeconds(60));
            long toHandle = produced.measured();
            LatencyBenchmark.awaitCaughtUp(settings.drainGrace(),
                    () -> ref.handled.sum() >= toHandle && mine.handled.sum() >= toHandle);
        }
        admin.sync().del(stream);
        isolation.awaitThreadsGone(threadsBefore, reference.name() + " and " + other.name());
        long measured = produced.measured();
        return new Phase(other, rate, round, referenceFirst, measured, ref.side(measured), mine.side(measured),
                Entries.compare(ref.latencies, mine.latencies, index(from, start, rate), index(end, start, rate)),
                CostProbe.between(atFrom, atEnd, measured).stolenShare());
    }

    /** One contender's handler: its latency per entry, by the entry's index in the producer's schedule. */
    private static final class Recording implements EntrySink {
        private final int rate;
        /** Set before the producer's first entry is due, read by the handler's thread. */
        private volatile long start;
        private volatile long from;
        /** Written by the contender's handler thread(s), read after the contender was closed. */
        final long[] latencies;
        final Recorder latency = new Recorder(3);
        final LongAdder handled = new LongAdder();

        Recording(int rate, int entries) {
            this.rate = rate;
            this.latencies = new long[entries];
        }

        void begin(long start, long from) {
            this.start = start;
            this.from = from;
        }

        @Override
        public void accept(Map<String, String> fields) {
            long due = Long.parseLong(fields.get("t"));
            long late = Math.max(1, System.nanoTime() - due);
            int i = index(due, start, rate);
            if (i < latencies.length && latencies[i] == 0) { // a redelivery counts once, as its first handling
                latencies[i] = late;
                if (due >= from) {
                    latency.recordValue(late);
                    handled.increment();
                }
            }
        }

        Side side(long measured) {
            return new Side(latency.getIntervalHistogram(), Math.min(handled.sum(), measured));
        }
    }

    private static void print(Phase p) {
        Histogram o = p.other().latency();
        Histogram r = p.reference().latency();
        Entries e = p.entries();
        System.out.printf(Locale.ROOT, "pair %,7d/s  %-36s round %d (%s first): p50 %.3f / %.3f  p99 %.3f / %.3f  p999 %.3f / %.3f ms"
                + " (it / loop)%s; entry by entry: no later than the loop in %.0f%%, it minus the loop p1 %+.3f p50 %+.3f p99 %+.3f ms;"
                + " %.0f%% of the loop's p99 entries in its p99 too; stolen by the hypervisor %s%n",
                p.rate(), p.contender().name(), p.round() + 1, p.referenceFirst() ? "loop" : "it",
                ms(o.getValueAtPercentile(50)), ms(r.getValueAtPercentile(50)), ms(o.getValueAtPercentile(99)),
                ms(r.getValueAtPercentile(99)), ms(o.getValueAtPercentile(99.9)), ms(r.getValueAtPercentile(99.9)),
                fellBehind(p), e.otherNoLater() * 100, ms(e.difference()[0]), ms(e.difference()[1]), ms(e.difference()[2]),
                e.sharedTail() * 100, p.stolen() < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f%%", p.stolen() * 100));
    }

    private static String fellBehind(Phase p) {
        String s = "";
        if (!p.other().keptUp(p.produced())) {
            s += String.format(Locale.ROOT, "; it fell behind (%,d of %,d)", p.other().handled(), p.produced());
        }
        if (!p.reference().keptUp(p.produced())) {
            s += String.format(Locale.ROOT, "; the loop fell behind (%,d of %,d)", p.reference().handled(), p.produced());
        }
        return s;
    }

    private static void printRounds(List<Phase> rounds) {
        Phase any = rounds.get(0);
        int[] noWorse = new int[2];
        for (Phase p : rounds) {
            boolean[] each = p.noWorse();
            noWorse[0] += each[0] ? 1 : 0;
            noWorse[1] += each[1] ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "pair %,7d/s  %-36s p99 median %.3f / %.3f, p999 median %.3f / %.3f ms (it / loop);"
                + " no worse than the loop in p99 %d, p99.9 %d of %d rounds; entry by entry no later in %.0f%% (median round)%n",
                any.rate(), any.contender().name(), median(rounds, true, 99), median(rounds, false, 99), median(rounds, true, 99.9),
                median(rounds, false, 99.9), noWorse[0], noWorse[1], rounds.size(),
                100 * rounds.stream().mapToDouble(p -> p.entries().otherNoLater()).sorted().skip((rounds.size() - 1) / 2).findFirst().orElse(Double.NaN));
    }

    /** The median over the rounds of one side's percentile, ms; a round that fell behind counts as the longest. */
    private static double median(List<Phase> rounds, boolean other, double percentile) {
        double[] values = rounds.stream().mapToDouble(p -> {
            Side side = other ? p.other() : p.reference();
            return side.keptUp(p.produced()) ? ms(side.latency().getValueAtPercentile(percentile)) : Double.POSITIVE_INFINITY;
        }).sorted().toArray();
        return values[(values.length - 1) / 2];
    }

    private static double ms(long nanos) {
        return LatencyBenchmark.ms(nanos);
    }
}
