package io.rill.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import io.lettuce.core.api.StatefulRedisConnection;
import io.rill.bench.contender.Contender;
import io.rill.bench.contender.Contenders;
import io.rill.bench.contender.PlainLettuceLoop;
import io.rill.bench.latency.LatencyBenchmark;
import io.rill.bench.latency.RateSweep;
import io.rill.bench.latency.RoundTripFloor;
import io.rill.bench.latency.SideBySide;
import io.rill.bench.memory.MemoryBenchmark;
import io.rill.bench.report.MarkdownReport;
import io.rill.bench.throughput.ThroughputBenchmark;
import io.rill.testing.RedisServer;

/**
 * The benchmark entry point: {@code benchmarks/run [all|throughput|latency|sweep|memory|floor|pair|cluster|publish] [options]}. Starts a Redis
 * (REDIS_URI, else Docker, else a local redis-server), runs the chosen benchmarks over every contender
 * of {@link Contenders#all}, prints the figures, and for {@code all} writes them into the docs.
 *
 * <pre>
 * --entries N            throughput: entries per run (1,000,000)
 * --warm-up-entries N    throughput: entries of the warm-up run (200,000)
 * --rounds N             throughput: runs per contender, the median is reported (3)
 * --latency-rounds N     latency: phases per rate and contender, interleaved; the one with the median p99 is reported;
 *                        sweep: phases per step, the median one judged (1)
 * --batch N              COUNT of every contender's reads (500)
 * --payload BYTES        size of each entry's payload field (100)
 * --rates A,B,C          latency: producer rates in entries/s (1000,10000,50000)
 * --warm-up-seconds S    latency: dropped start of each phase (2)
 * --seconds S            latency: measured part of each phase (10)
 * --drain-seconds S      latency: how long after the producer stops a consumer may take to catch up (2)
 * --rill-variant SPEC    adds a Rill contender with changed options, e.g. max-in-flight=5000,ack-flush-size=100
 *                        (repeatable; see Contenders.rillVariant)
 * --only TEXT[,TEXT]     run only the contenders whose name contains one of these (all; for trying things out)
 * --docs DIR|none        where benchmarks.md and benchmarks/*.svg are written, for "all" and "sweep" (docs)
 * --sweep-rates A,B,C    sweep: the rising rates each contender steps through until one is not sustained
 *                        (2000,5000,10000,20000,30000,50000,75000,100000,150000,200000,250000,300000)
 * --p99-limit-ms MS      sweep: the p99 a sustained step may not exceed (50); --seconds defaults to 5 here
 * --heap SIZE            memory: -Xms/-Xmx of the child JVM that drains the --entries backlog (64m); --only
 *                        defaults to plain,Rill here
 * floor: a synchronous PING at each of --rates (1000 here) for --seconds, --latency-rounds times: the
 *                        round trip this machine puts under every latency figure (RoundTripFloor)
 * --control on|off       latency, pair: a second plain loop right after the first, paired with it like any other
 *                        contender: what the method says of two equal contenders (off); early-read: a second loop that
 *                        sends its next read with its XACK, not after its answer (Contenders.earlyReadLoop)
 * pair: the plain loop and each other contender of --only (the loop among them) at once on one stream, each in a
 *                        group of its own, at each of --rates, --latency-rounds times (SideBySide)
 *
 * Latency phases (latency, sweep, all) each start on an emptied Redis (FLUSHALL, only on a Redis this run
 * started) with only the harness connected; the producer runs in a JVM of its own; after a phase the
 * contender is closed, its stream deleted and its threads checked gone.
 * </pre>
 */
public final class BenchmarkRun {

    private BenchmarkRun() {
    }

    public static void main(String[] args) throws Exception {
        List<String> list = Arrays.asList(args);
        String mode = list.isEmpty() || list.get(0).startsWith("--") ? "all" : list.get(0);
        if (mode.equals("cluster")) { // a run of its own: local standalone vs local cluster, see ClusterThroughput
            io.rill.bench.cluster.ClusterThroughput.run(list.subList(1, list.size()));
            return;
        }
        if (mode.equals("publish")) { // producer side, a run of its own: plain XADD vs idempotent publish vs outbox
            io.rill.bench.publish.PublishBenchmark.main(list.subList(1, list.size()).toArray(new String[0]));
            return;
        }
        if (!List.of("all", "throughput", "latency", "sweep", "memory", "floor", "pair").contains(mode)) {
            System.err.println("unknown benchmark '" + mode + "': use all, throughput, latency, sweep, memory, floor, pair, cluster or publish");
            System.exit(2);
        }
        List<String> known = List.of("--entries", "--warm-up-entries", "--rounds", "--latency-rounds", "--batch", "--payload", "--rates",
                "--warm-up-seconds", "--seconds", "--drain-seconds", "--only", "--rill-variant", "--docs", "--sweep-rates",
                "--p99-limit-ms", "--heap", "--control");
        int firstOption = list.isEmpty() || list.get(0).startsWith("--") ? 0 : 1;
        for (int i = firstOption; i < args.length; i += 2) {
            if (!known.contains(args[i])) {
                System.err.println("unknown option '" + args[i] + "'; options: " + known
                        + " (described in benchmarks/src/main/java/io/rill/bench/BenchmarkRun.java)");
                System.exit(2);
            }
            if (i + 1 >= args.length) {
                System.err.println(args[i] + " needs a value");
                System.exit(2);
            }
        }
        int batch = intArg(args, "--batch", 500);
        int payload = intArg(args, "--payload", 100);
        ThroughputBenchmark.Settings throughput = new ThroughputBenchmark.Settings(intArg(args, "--entries", 1_000_000),
                intArg(args, "--warm-up-entries", 200_000), intArg(args, "--rounds", 3), payload);
        // floor: one synchronous client keeps at most 1 / round trip per second, a few thousand on a slow VM
        List<Integer> rates = Arrays.stream(stringArg(args, "--rates", mode.equals("floor") ? "1000" : "1000,10000,50000").split(","))
                .map(s -> Integer.parseInt(s.strip().replace("_", ""))).toList();
        LatencyBenchmark.Settings latency = new LatencyBenchmark.Settings(rates,
                seconds(args, "--warm-up-seconds", "2"), seconds(args, "--seconds", mode.equals("sweep") ? "5" : "10"),
                seconds(args, "--drain-seconds", "2"), payload, intArg(args, "--latency-rounds", 1));
        String docs = stringArg(args, "--docs", "docs");
        boolean writesResults = mode.equals("all") && !docs.equals("none");
        String sweepRates = stringArg(args, "--sweep-rates", null);
        RateSweep sweep = new RateSweep(sweepRates == null ? RateSweep.DEFAULT_RATES
                : Arrays.stream(sweepRates.split(",")).map(s -> Integer.parseInt(s.strip().replace("_", ""))).toList(),
                Double.parseDouble(stringArg(args, "--p99-limit-ms", Double.toString(RateSweep.DEFAULT_P99_LIMIT_MS))));
        String command = ("benchmarks/run " + String.join(" ", args)).strip();

        List<Contender> contenders = Contenders.all(batch);
        List<Contender> variants = new ArrayList<>();
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--rill-variant")) {
                variants.add(Contenders.rillVariant(batch, args[i + 1]));
            }
        }
        if (!variants.isEmpty()) {
            contenders = Stream.concat(contenders.stream(), variants.stream()).toList();
        }
        // memory: Spring's one XACK per entry would take minutes over a million entries
        String only = stringArg(args, "--only", mode.equals("memory") ? "plain,Rill" : null);
        if (only != null) {
            List<String> wanted = List.of(only.split(","));
            contenders = contenders.stream().filter(c -> wanted.stream().anyMatch(c.name()::contains)).toList();
            if (contenders.isEmpty()) {
                throw new IllegalArgumentException("--only " + only + " matches no contender of " + Contenders.all(batch)
                        .stream().map(Contender::name).toList());
            }
        }
        String control = stringArg(args, "--control", "off");
        if (!List.of("on", "off", "early-read").contains(control)) {
            throw new IllegalArgumentException("--control takes on, early-read or off, was '" + control + "'");
        }
        if (!control.equals("off")) {
            if (!List.of("latency", "pair").contains(mode) || !(contenders.get(0) instanceof PlainLettuceLoop)) {
                throw new IllegalArgumentException("--control " + control + " pairs the plain loop with a second one: it needs latency or pair, "
                        + "and the loop among the contenders (--only plain,...)");
            }
            List<Contender> withControl = new ArrayList<>(contenders);
            withControl.add(1, control.equals("on") ? Contenders.secondLoop(batch) : Contenders.earlyReadLoop(batch));
            contenders = withControl;
        }
        if (mode.equals("pair") && (contenders.size() < 2 || !(contenders.get(0) instanceof PlainLettuceLoop))) {
            throw new IllegalArgumentException("pair runs the plain loop with each other contender: --only needs plain and one more, "
                    + "or --control on");
        }
        if (writesResults) {
            // the load average still counts this script's own build; a run that writes the docs starts once it has
            // decayed, so that a load at the start means someone else's work
            Machine.awaitLoadBelow(1.0, Duration.ofMinutes(2));
        }
        ZonedDateTime started = ZonedDateTime.now();
        String loadAtStart = Machine.loadAverage();
        double load1AtStart = Machine.loadAverage1();
        try (RedisServer server = RedisServer.start(); HarnessClient harness = new HarnessClient(server.uri());
                StatefulRedisConnection<String, String> admin = harness.client().connect()) {
            Machine machine = Machine.describe(server.version());
            CostProbe probe = new CostProbe(admin);
            CostProbe.Reading atStart = probe.read();
            String redisKind = server.isLocalProcess() ? "local redis-server on loopback, no persistence"
                    : System.getenv(RedisServer.REDIS_URI_ENV) != null ? "named by REDIS_URI" : "Docker container";
            System.out.printf(Locale.ROOT, "%s%nmachine: %d x %s, %s, %s; %s%nRedis %s (%s) at %s; load average %s%n",
                    command, machine.cpus(), machine.cpu(), machine.memory(), machine.os(), machine.jdk(),
                    machine.redis(), redisKind, server.uri(), loadAtStart);
            List<ThroughputBenchmark.Result> throughputResults = List.of();
            List<LatencyBenchmark.Result> latencyResults = List.of();
            // FLUSHALL between phases only on a Redis this run started: one named by REDIS_URI is someone else's
            boolean ownsRedis = System.getenv(RedisServer.REDIS_URI_ENV) == null || System.getenv(RedisServer.REDIS_URI_ENV).isBlank();
            if (mode.equals("floor")) {
                RoundTripFloor.run(harness.client(), probe, latency.rates(), latency.measure(), latency.rounds());
                printLoadAtEnd(atStart, probe);
                System.exit(0);
            }
            if (mode.equals("memory")) {
                String heap = stringArg(args, "--heap", "64m");
                new MemoryBenchmark(server.uri(), new MemoryBenchmark.Settings(throughput.entries(), heap, payload, batch),
                        contenders).run();
                printLoadAtEnd(atStart, probe);
                System.exit(0);
            }
            if (mode.equals("pair")) {
                // the reference is contenders.get(0), the loop; every other contender (the control too) is paired with it
                new SideBySide(server.uri(), latency, contenders.get(0), contenders.subList(1, contenders.size()), ownsRedis).run();
                printLoadAtEnd(atStart, probe);
                System.exit(0);
            }
            if (mode.equals("sweep")) {
                LatencyBenchmark bench = new LatencyBenchmark(server.uri(), latency, contenders, ownsRedis);
                List<RateSweep.Outcome> outcomes = bench.sweep(sweep);
                String loadAtEnd = Machine.loadAverage();
                double othersShare = CostProbe.othersShare(atStart, probe.read());
                System.out.printf(Locale.ROOT, "load average at the end: %s; other processes took %.0f%% of the CPU during the run%n",
                        loadAtEnd, othersShare * 100);
                if (!docs.equals("none")) {
                    MarkdownReport.writeSweep(Path.of(docs), new MarkdownReport.SweepRun(command, started, machine, redisKind,
                            loadAtStart, loadAtEnd, othersShare, sweep, latency, bench.isolationNotes()), outcomes);
                    System.out.println("wrote " + Path.of(docs, "benchmarks.md") + " and " + Path.of(docs, "benchmarks", "sweep.svg"));
                }
                System.exit(0);
            }
            // the machine's own tail before the first phase and after the last: a hypervisor's stalls show here, not in the load
            List<RoundTripFloor.Result> floor = new ArrayList<>();
            if (mode.equals("all") || mode.equals("latency")) {
                floor.add(RoundTripFloor.check(harness.client(), probe, latency.measure()));
            }
            if (!mode.equals("latency")) {
                throughputResults = new ThroughputBenchmark(server.uri(), throughput, contenders).run();
                printThroughput(throughputResults);
            }
            if (!mode.equals("throughput")) {
                LatencyBenchmark bench = new LatencyBenchmark(server.uri(), latency, contenders, ownsRedis);
                latencyResults = bench.run();
                System.out.println(bench.isolationNotes().isEmpty() ? "isolation: every phase started on an emptied Redis "
                        + "with only the harness connected; every contender's threads were gone after it closed"
                        : "isolation: " + bench.isolationNotes().size() + " note(s) above");
            }
            if (!floor.isEmpty()) {
                floor.add(RoundTripFloor.check(harness.client(), probe, latency.measure()));
            }
            String loadAtEnd = Machine.loadAverage();
            double othersShare = CostProbe.othersShare(atStart, probe.read());
            System.out.printf(Locale.ROOT, "load average at the end: %s; other processes took %.0f%% of the CPU during the run%n",
                    loadAtEnd, othersShare * 100);
            if (writesResults) {
                MarkdownReport.write(Path.of(docs), new MarkdownReport.Run(command, started, machine, redisKind,
                        loadAtStart, load1AtStart, loadAtEnd, othersShare, throughput, latency, floor), throughputResults,
                        latencyResults, contenders);
                System.out.println("wrote " + Path.of(docs, "benchmarks.md") + " and " + Path.of(docs, "benchmarks") + "/*.svg");
            }
        }
        // Lettuce and Spring leave non-daemon threads behind a failed close; the run is over either way
        System.exit(0);
    }

    private static void printLoadAtEnd(CostProbe.Reading atStart, CostProbe probe) {
        System.out.printf(Locale.ROOT, "load average at the end: %s; other processes took %.0f%% of the CPU during the run%n",
                Machine.loadAverage(), CostProbe.othersShare(atStart, probe.read()) * 100);
    }

    private static void printThroughput(List<ThroughputBenchmark.Result> results) {
        double anchor = results.get(0).median();
        System.out.println();
        for (ThroughputBenchmark.Result r : results) {
            System.out.printf(Locale.ROOT, "%-40s median %,12.0f msg/s  %.2fx plain loop%n", r.contender().name(),
                    r.median(), r.median() / anchor);
        }
        System.out.println();
    }

    private static int intArg(String[] args, String name, int fallback) {
        String value = stringArg(args, name, null);
        return value == null ? fallback : Integer.parseInt(value.replace("_", "").replace(",", ""));
    }

    private static Duration seconds(String[] args, String name, String fallback) {
        return Duration.ofMillis(Math.round(Double.parseDouble(stringArg(args, name, fallback)) * 1000));
    }

    private static String stringArg(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(name)) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                return args[i + 1];
            }
        }
        return fallback;
    }
}
