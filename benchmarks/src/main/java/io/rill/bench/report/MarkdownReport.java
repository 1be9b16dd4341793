package io.rill.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.HdrHistogram.Histogram;

import io.rill.bench.CostProbe;
import io.rill.bench.Machine;
import io.rill.bench.contender.Contender;
import io.rill.bench.contender.RillSubscription;
import io.rill.bench.contender.SpringContainer;
import io.rill.bench.latency.LatencyBenchmark;
import io.rill.bench.latency.RoundTripFloor;
import io.rill.bench.latency.RateSweep;
import io.rill.bench.throughput.ThroughputBenchmark;

/**
 * Writes the figures of a run into docs/benchmarks.md, between two marker lines, so the prose
 * around them (method, findings) stays hand-written and the numbers are never typed by hand. The
 * charts go to docs/benchmarks/*.svg.
 */
public final class MarkdownReport {

    public static final String BEGIN = "<!-- BEGIN results: written by benchmarks/run, do not edit by hand -->";
    public static final String END = "<!-- END results -->";

    /** The targets of issue 6. */
    static final double TARGET_RATIO_TO_LOOP = 0.9;
    static final double TARGET_RATIO_TO_SDR_ACK = 8;
    static final int TARGET_LATENCY_RATE = 10_000;
    static final double TARGET_P99_MS = 2;
    /** Issue 18's targets: the journal at interval against the loop, and the tails of every journal mode. */
    static final double TARGET_INTERVAL_TO_LOOP = 1.3;
    static final double TARGET_P99_10K_MS = 1.5;
    static final double TARGET_P99_50K_MS = 5;
    static final double TARGET_P999_50K_MS = 10;
    /** Other processes' share of the CPU above which a run's figures are provisional. */
    static final double OTHERS_SHARE_LIMIT = 0.05;

    /**
     * The machine's own round trip ({@link RoundTripFloor#check}) at or above which a run's figures are provisional:
     * on a VM whose hypervisor stalls it, a 1,000/s PING alone has a p99 of several ms, more than the 10,000/s target,
     * while the load average and the others' CPU show nothing.
     */
    static final double FLOOR_P99_LIMIT_MS = 1.0;

    /**
     * What the run was asked to do, for the header and the provisional check.
     *
     * @param floor the machine's round trip before the first phase and after the last ({@link RoundTripFloor#check})
     */
    public record Run(String command, ZonedDateTime started, Machine machine, String redisKind, String loadAtStart,
            double load1AtStart, String loadAtEnd, double othersShare, ThroughputBenchmark.Settings throughput,
            LatencyBenchmark.Settings latency, List<RoundTripFloor.Result> floor) {
    }

    private MarkdownReport() {
    }

    /** Replaces the results block of {@code docs/benchmarks.md} and writes the charts beside it. */
    public static void write(Path docs, Run run, List<ThroughputBenchmark.Result> throughput,
            List<LatencyBenchmark.Result> latency, List<Contender> contenders) throws IOException {
        Path page = docs.resolve("benchmarks.md");
        Path charts = docs.resolve("benchmarks");
        Files.createDirectories(charts);
        Files.writeString(charts.resolve("throughput.svg"), SvgChart.throughput(throughput, String.format(Locale.ROOT,
                "Throughput: %,d entries, no-op handler, median of %d runs", run.throughput().entries(),
                run.throughput().rounds())));
        Files.writeString(charts.resolve("latency.svg"), SvgChart.latency(latency, run.latency().rates(),
                contenders.stream().map(Contender::name).toList(),
                "End-to-end latency (XADD to handler): p50, p99, p99.9", TARGET_LATENCY_RATE, TARGET_P99_MS));
        String block = block(run, throughput, latency);
        String text = Files.exists(page) ? Files.readString(page) : "# Benchmarks\n\n";
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        if (begin >= 0 && end > begin) {
            text = text.substring(0, begin) + block + text.substring(end + END.length());
        } else {
            text = text.stripTrailing() + "\n\n" + block + "\n";
        }
        Files.writeString(page, text);
    }

    static String block(Run run, List<ThroughputBenchmark.Result> throughput, List<LatencyBenchmark.Result> latency) {
        StringBuilder md = new StringBuilder(BEGIN).append("\n");
        Machine m = run.machine();
        md.append(String.format(Locale.ROOT, "### Run of %s%n%n",
                run.started().withZoneSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))));
        String provisional = provisional(run);
        if (!provisional.isEmpty()) {
            md.append("> **Provisional figures**: ").append(provisional)
                    .append(" Re-run `benchmarks/run` on a quiet machine for figures to quote.\n\n");
        }
        md.append("- Command: `").append(run.command()).append("`\n");
        md.append(String.format(Locale.ROOT, "- Machine: %d × %s, %s memory, %s%n", m.cpus(), m.cpu(), m.memory(), m.os()));
        md.append("- JDK: ").append(m.jdk()).append(m.jvmOptions().isEmpty() ? "" : ", `" + m.jvmOptions() + "`").append("\n");
        md.append("- Redis ").append(m.redis()).append(" (").append(run.redisKind()).append("); ").append(m.libraries()).append("\n");
        md.append("- Load average (1 / 5 / 15 min): ").append(run.loadAtStart()).append(" at the start, ")
                .append(run.loadAtEnd()).append(" at the end\n");
        md.append("- Other processes' share of the machine's CPU during the run: ").append(percent(run.othersShare()))
                .append(" (all cores; this JVM and Redis excluded)\n");
        if (!run.floor().isEmpty()) {
            md.append(String.format(Locale.ROOT, "- The machine's own round trip (a synchronous PING at %,d/s for %s s, "
                    + "`benchmarks/run floor`), p99 / p99.9: %s ms before the first phase, %s ms after the last%n",
                    RoundTripFloor.CHECK_RATE, seconds(run.latency().measure().toMillis()), tail(run.floor().getFirst()),
                    tail(run.floor().getLast())));
        }
        md.append("\n");

        ThroughputBenchmark.Settings ts = run.throughput();
        md.append(String.format(Locale.ROOT, "#### Throughput%n%n%,d entries of %d bytes, %d round(s) after a warm-up "
                + "on %,d entries; median of the rounds.%n%n", ts.entries(), ts.payload(), ts.rounds(), ts.warmUpEntries()));
        md.append("| consumer | semantics | median msg/s | runs (msg/s) | × plain loop | Redis CPU µs/entry | consumer CPU µs/entry "
                + "| others' CPU, worst run |\n|---|---|---:|---|---:|---:|---:|---:|\n");
        double anchor = throughput.get(0).median();
        for (ThroughputBenchmark.Result r : throughput) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %s | %.2f | %.2f | %.2f | %s |%n", r.contender().name(),
                    r.contender().semantics(), r.median(),
                    String.join(", ", r.rates().stream().map(v -> String.format(Locale.ROOT, "%,.0f", v)).toList()),
                    r.median() / anchor, r.redisMicros(), r.consumerMicros(), percent(r.othersShareMax())));
        }
        md.append("\nCPU per entry is the median over the rounds: Redis's from INFO cpu, the consumer's from the CPU time of "
                + "its threads in the JVM. Unlike msg/s, it hardly moves with the machine's load. \"Others' CPU\" is what processes "
                + "other than this JVM and Redis took of the machine's cores meanwhile: above a few percent, the msg/s "
                + "of that run were measured against them.\n");
        md.append("\n![Throughput per consumer](benchmarks/throughput.svg)\n\n");

        LatencyBenchmark.Settings ls = run.latency();
        md.append(String.format(Locale.ROOT, "#### Latency%n%nXADD (producer JVM) to handler (consumer JVM), %s s per rate after a %s s "
                + "warm-up (dropped), 100-byte payload; p50 / p99 / p99.9 in ms. \"Saturated\" means the consumer had "
                + "not handled every entry %s s after the producer stopped: its latency grows without bound, so "
                + "no percentiles are given, only the rate it handled.%s%n%n",
                seconds(ls.measure().toMillis()), seconds(ls.warmUp().toMillis()), seconds(ls.drainGrace().toMillis()),
                ls.rounds() > 1 ? String.format(Locale.ROOT, " Each rate ran %d rounds, the contenders taking turns; the round "
                        + "with the median p99 is shown (a saturated round counts as the longest).", ls.rounds()) : ""));
        md.append("| consumer |");
        ls.rates().forEach(rate -> md.append(String.format(Locale.ROOT, " %,d/s |", rate)));
        md.append("\n|---|").append("---:|".repeat(ls.rates().size())).append("\n");
        for (ThroughputBenchmark.Result t : throughput) {
            Contender c = t.contender();
            md.append("| ").append(c.name()).append(" |");
            for (int rate : ls.rates()) {
                md.append(" ").append(cell(find(latency, rate, c))).append(" |");
            }
            md.append("\n");
        }
        double worstLag = latency.stream().mapToDouble(r -> LatencyBenchmark.ms(r.producerLag().getValueAtPercentile(99)))
                .max().orElse(0);
        md.append(String.format(Locale.ROOT, "%nLatency is counted from each entry's due time, so a producer that could not "
                + "keep to its schedule adds its own delay: its p99 lateness is in the last column of the cost table below "
                + "(worst phase: %s ms). Where it is close to a consumer's p99, the machine, not the consumer, set that "
                + "figure.%n", SvgChart.trim(worstLag)));
        md.append("\n![Latency per consumer and rate](benchmarks/latency.svg)\n\n");
        md.append("What each entry cost in the measured window of each latency phase: commands from INFO commandstats, "
                + "connections from INFO stats, Redis CPU from INFO cpu (the producer's XADDs included, the same for everyone), and the CPU time of "
                + "the consumer's own threads in the JVM (its Lettuce event loops included; producer, GC and JIT "
                + "excluded).\n\n");
        md.append("| consumer | rate | entries per XREADGROUP | XACKs per 1,000 entries | connections opened per 1,000 entries "
                + "| Redis CPU µs/entry | consumer CPU µs/entry | producer lateness p99 ms | others' CPU |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int rate : ls.rates()) {
            for (ThroughputBenchmark.Result t : throughput) {
                LatencyBenchmark.Result r = find(latency, rate, t.contender());
                if (r == null) {
                    continue;
                }
                CostProbe.Cost c = r.cost();
                md.append(String.format(Locale.ROOT, "| %s | %,d/s | %s | %.1f | %.1f | %.1f | %.1f | %s | %s |%n",
                        t.contender().name(), rate,
                        c.readsPerThousand() > 0 ? String.format(Locale.ROOT, "%.1f", 1000 / c.readsPerThousand()) : "–",
                        c.acksPerThousand(), c.connectionsPerThousand(), c.redisMicros(), c.consumerMicros(),
                        SvgChart.trim(LatencyBenchmark.ms(r.producerLag().getValueAtPercentile(99))),
                        percent(c.othersShare())));
            }
        }
        md.append("\n");

        md.append("#### Targets\n\n| target | measured | |\n|---|---:|---|\n");
        md.append(targets(throughput, latency));
        md.append(END);
        return md.toString();
    }

    public static final String SWEEP_BEGIN = "<!-- BEGIN sweep: written by benchmarks/run sweep, do not edit by hand -->";
    public static final String SWEEP_END = "<!-- END sweep -->";

    /** Replaces the sweep block of {@code docs/benchmarks.md} and writes {@code benchmarks/sweep.svg}. */
    public static void writeSweep(Path docs, SweepRun run, List<RateSweep.Outcome> outcomes) throws IOException {
        Path page = docs.resolve("benchmarks.md");
        Path charts = docs.resolve("benchmarks");
        Files.createDirectories(charts);
        Files.writeString(charts.resolve("sweep.svg"), SvgChart.sweep(outcomes, String.format(Locale.ROOT,
                "Rate sweep: highest rate with p99 ≤ %s ms, every entry handled", SvgChart.trim(run.sweep().p99LimitMs()))));
        String block = sweepBlock(run, outcomes);
        String text = Files.exists(page) ? Files.readString(page) : "# Benchmarks\n\n";
        int begin = text.indexOf(SWEEP_BEGIN);
        int end = text.indexOf(SWEEP_END);
        if (begin >= 0 && end > begin) {
            text = text.substring(0, begin) + block + text.substring(end + SWEEP_END.length());
        } else {
            text = text.stripTrailing() + "\n\n" + block + "\n";
        }
        Files.writeString(page, text);
    }

    /** What a sweep was asked to do and where it ran. */
    public record SweepRun(String command, ZonedDateTime started, Machine machine, String redisKind, String loadAtStart,
            String loadAtEnd, double othersShare, RateSweep sweep, LatencyBenchmark.Settings latency, List<String> isolationNotes) {
    }

    static String sweepBlock(SweepRun run, List<RateSweep.Outcome> outcomes) {
        StringBuilder md = new StringBuilder(SWEEP_BEGIN).append("\n");
        Machine m = run.machine();
        md.append(String.format(Locale.ROOT, "### Sweep of %s%n%n",
                run.started().withZoneSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))));
        md.append("- Command: `").append(run.command()).append("`\n");
        md.append(String.format(Locale.ROOT, "- Machine: %d × %s, %s memory, %s%n", m.cpus(), m.cpu(), m.memory(), m.os()));
        md.append("- JDK: ").append(m.jdk()).append("; Redis ").append(m.redis()).append(" (").append(run.redisKind()).append(")\n");
        md.append("- Load average (1 / 5 / 15 min): ").append(run.loadAtStart()).append(" at the start, ")
                .append(run.loadAtEnd()).append(" at the end; other processes' share of the CPU: ")
                .append(percent(run.othersShare())).append("\n");
        int rounds = run.latency().rounds();
        md.append(String.format(Locale.ROOT, "- Steps: %s entries/s; each %s of %s s warm-up and %s s measured, "
                + "%s s drain grace%s; a contender stops at its first step that is not sustained%n",
                String.join(", ", run.sweep().rates().stream().map(r -> String.format(Locale.ROOT, "%,d", r)).toList()),
                rounds > 1 ? rounds + " latency phases" : "a latency phase",
                seconds(run.latency().warmUp().toMillis()), seconds(run.latency().measure().toMillis()),
                seconds(run.latency().drainGrace().toMillis()), rounds > 1 ? ", the one with the median p99 judged" : ""));
        md.append("- Isolation: ").append(run.isolationNotes().isEmpty() ? "every phase started on an emptied Redis with "
                + "only the harness connected, and every contender's threads were gone after it was closed"
                : String.join("; ", run.isolationNotes())).append("\n\n");
        md.append(String.format(Locale.ROOT, "| consumer | semantics | highest rate with p99 ≤ %s ms | p99 there | next step "
                + "| p99 per step (ms) |%n|---|---|---:|---:|---|---|%n", SvgChart.trim(run.sweep().p99LimitMs())));
        for (RateSweep.Outcome o : outcomes) {
            RateSweep.Step stop = o.stoppedAt();
            String steps = String.join(", ", o.steps().stream().map(s -> String.format(Locale.ROOT, "%dk: %s", s.rate() / 1000,
                    s.verdict() == RateSweep.Verdict.SUSTAINED || s.verdict() == RateSweep.Verdict.P99_OVER_LIMIT
                            ? SvgChart.trim(s.p99Ms()) : s.verdict().text())).toList());
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", o.contender(), o.semantics(),
                    o.highestSustained() == 0 ? "none of the steps" : String.format(Locale.ROOT, "%,d/s", o.highestSustained())
                            + (stop == null ? " (top of the sweep)" : ""),
                    Double.isNaN(o.p99AtHighest()) ? "–" : SvgChart.trim(o.p99AtHighest()) + " ms",
                    stop == null ? "–" : String.format(Locale.ROOT, "%,d/s: %s", stop.rate(), RateSweep.describe(stop)), steps));
        }
        md.append("\n![Highest sustained rate per consumer](benchmarks/sweep.svg)\n");
        md.append(SWEEP_END);
        return md.toString();
    }

    private static String targets(List<ThroughputBenchmark.Result> throughput, List<LatencyBenchmark.Result> latency) {
        ThroughputBenchmark.Result anchor = throughput.get(0);
        ThroughputBenchmark.Result rill = throughput.stream().filter(r -> r.contender() instanceof RillSubscription)
                .findFirst().orElse(null);
        ThroughputBenchmark.Result sdr = throughput.stream()
                .filter(r -> r.contender() instanceof SpringContainer s && s.acksPerMessage()).findFirst().orElse(null);
        StringBuilder md = new StringBuilder();
        if (rill == null) {
            return "| (no Rill contender in this run) | | |\n";
        }
        double toLoop = rill.median() / anchor.median();
        md.append(row(String.format(Locale.ROOT, "%s ≥ %.1f× the plain loop", rill.contender().name(), TARGET_RATIO_TO_LOOP),
                String.format(Locale.ROOT, "%.2f×", toLoop), toLoop >= TARGET_RATIO_TO_LOOP));
        if (sdr != null) {
            double toSdr = rill.median() / sdr.median();
            md.append(row(String.format(Locale.ROOT, "%s ≥ %.0f× %s", rill.contender().name(), TARGET_RATIO_TO_SDR_ACK,
                    sdr.contender().name()), String.format(Locale.ROOT, "%.1f×", toSdr), toSdr >= TARGET_RATIO_TO_SDR_ACK));
        }
        LatencyBenchmark.Result at = find(latency, TARGET_LATENCY_RATE, rill.contender());
        if (at != null) {
            String what = String.format(Locale.ROOT, "%s p99 ≤ %s ms at %,d entries/s", rill.contender().name(),
                    SvgChart.trim(TARGET_P99_MS), TARGET_LATENCY_RATE);
            if (at.keptUp()) {
                double p99 = LatencyBenchmark.ms(at.latency().getValueAtPercentile(99));
                md.append(row(what, SvgChart.trim(p99) + " ms", p99 <= TARGET_P99_MS));
            } else {
                md.append(row(what, "saturated", false));
            }
        }
        md.append(journalTargets(throughput, latency));
        return md.toString();
    }

    /** The journal contenders ("Rill, journal …") against the loop: throughput and CPU at interval, tails in every mode. */
    private static String journalTargets(List<ThroughputBenchmark.Result> throughput, List<LatencyBenchmark.Result> latency) {
        ThroughputBenchmark.Result loop = throughput.get(0);
        StringBuilder md = new StringBuilder();
        throughput.stream().filter(r -> r.contender().name().equals("Rill, journal fsync interval")).findFirst().ifPresent(r -> {
            double toLoop = r.median() / loop.median();
            md.append(row(String.format(Locale.ROOT, "%s ≥ %.1f× the plain loop", r.contender().name(), TARGET_INTERVAL_TO_LOOP),
                    String.format(Locale.ROOT, "%.2f×", toLoop), toLoop >= TARGET_INTERVAL_TO_LOOP));
            md.append(row(r.contender().name() + ": consumer CPU per entry ≤ the plain loop's", String.format(Locale.ROOT,
                    "%.2f against %.2f µs", r.consumerMicros(), loop.consumerMicros()), r.consumerMicros() <= loop.consumerMicros()));
        });
        for (ThroughputBenchmark.Result r : throughput) {
            Contender c = r.contender();
            if (!c.name().startsWith("Rill, journal")) {
                continue;
            }
            List<String> worse = new ArrayList<>();
            List<String> byRound = new ArrayList<>();
            for (LatencyBenchmark.Result mine : latency) {
                LatencyBenchmark.Result theirs = mine.contender() == c ? find(latency, mine.rate(), loop.contender()) : null;
                if (theirs == null) {
                    continue;
                }
                if (!mine.keptUp() || theirs.keptUp() && (p(mine, 99) > p(theirs, 99) || p(mine, 99.9) > p(theirs, 99.9))) {
                    worse.add(String.format(Locale.ROOT, "%,d/s", mine.rate()));
                }
                int[] noWorse = LatencyBenchmark.noWorseRounds(mine, theirs);
                if (noWorse != null) {
                    byRound.add(String.format(Locale.ROOT, "%,d/s %d / %d of %d", mine.rate(), noWorse[0], noWorse[1],
                            mine.rounds().size()));
                }
            }
            // the verdict is the median round's; the rounds paired one by one say how far it is from a coin's toss
            String rounds = byRound.isEmpty() ? "" : "; rounds no worse, p99 / p99.9: " + String.join(", ", byRound);
            md.append(row(c.name() + ": p99 and p99.9 no worse than the plain loop's at every rate",
                    (worse.isEmpty() ? "at every rate" : "worse at " + String.join(", ", worse)) + rounds, worse.isEmpty()));
            LatencyBenchmark.Result at10k = find(latency, 10_000, c);
            if (at10k != null) {
                md.append(row(String.format(Locale.ROOT, "%s: p99 ≤ %s ms at 10,000/s", c.name(), SvgChart.trim(TARGET_P99_10K_MS)),
                        at10k.keptUp() ? SvgChart.trim(p(at10k, 99)) + " ms" : "saturated",
                        at10k.keptUp() && p(at10k, 99) <= TARGET_P99_10K_MS));
            }
            LatencyBenchmark.Result at50k = find(latency, 50_000, c);
            if (at50k != null) {
                md.append(row(String.format(Locale.ROOT, "%s: p99 ≤ %s ms and p99.9 ≤ %s ms at 50,000/s", c.name(),
                        SvgChart.trim(TARGET_P99_50K_MS), SvgChart.trim(TARGET_P999_50K_MS)),
                        at50k.keptUp() ? SvgChart.trim(p(at50k, 99)) + " / " + SvgChart.trim(p(at50k, 99.9)) + " ms" : "saturated",
                        at50k.keptUp() && p(at50k, 99) <= TARGET_P99_50K_MS && p(at50k, 99.9) <= TARGET_P999_50K_MS));
            }
        }
        return md.toString();
    }

    private static double p(LatencyBenchmark.Result r, double percentile) {
        return LatencyBenchmark.ms(r.latency().getValueAtPercentile(percentile));
    }

    private static String row(String target, String measured, boolean met) {
        return "| " + target + " | " + measured + " | " + (met ? "met" : "**missed**") + " |\n";
    }

    private static String cell(LatencyBenchmark.Result r) {
        if (r == null) {
            return "–";
        }
        if (!r.keptUp()) {
            return String.format(Locale.ROOT, "saturated (handled %,.0f/s)", r.handledRate());
        }
        Histogram h = r.latency();
        return SvgChart.trim(LatencyBenchmark.ms(h.getValueAtPercentile(50))) + " / "
                + SvgChart.trim(LatencyBenchmark.ms(h.getValueAtPercentile(99))) + " / "
                + SvgChart.trim(LatencyBenchmark.ms(h.getValueAtPercentile(99.9)));
    }

    private static LatencyBenchmark.Result find(List<LatencyBenchmark.Result> results, int rate, Contender contender) {
        return results.stream().filter(r -> r.rate() == rate && r.contender() == contender).findFirst().orElse(null);
    }

    private static String percent(double share) {
        return share < 0 ? "unknown" : String.format(Locale.ROOT, "%.0f %%", share * 100);
    }

    /** Why these figures are not the ones to quote, or "" when nothing speaks against them. */
    static String provisional(Run run) {
        List<String> why = new ArrayList<>();
        if (run.load1AtStart() >= 1.0) {
            why.add(String.format(Locale.ROOT, "the machine was busy (load average %.2f at the start).", run.load1AtStart()));
        } else if (run.othersShare() >= OTHERS_SHARE_LIMIT) {
            why.add(String.format(Locale.ROOT, "other processes took %s of the machine's CPU during the run.",
                    percent(run.othersShare())));
        }
        double floorP99 = run.floor().stream().mapToDouble(f -> LatencyBenchmark.ms(f.latency().getValueAtPercentile(99)))
                .max().orElse(0);
        if (floorP99 >= FLOOR_P99_LIMIT_MS) {
            why.add(String.format(Locale.ROOT, "the machine's own round trip was slow (a PING at %,d/s had a p99 of "
                    + "%s ms, %s ms or more): the tails below are the machine's as much as the consumers'.",
                    RoundTripFloor.CHECK_RATE, SvgChart.trim(floorP99), SvgChart.trim(FLOOR_P99_LIMIT_MS)));
        }
        if (run.throughput().entries() < 1_000_000 || run.throughput().rounds() < 3
                || run.latency().measure().toSeconds() < 10) {
            why.add("This was a reduced run (fewer entries, rounds or seconds than the defaults).");
        }
        return String.join(" ", why);
    }

    private static String tail(RoundTripFloor.Result floor) {
        return SvgChart.trim(LatencyBenchmark.ms(floor.latency().getValueAtPercentile(99))) + " / "
                + SvgChart.trim(LatencyBenchmark.ms(floor.latency().getValueAtPercentile(99.9)));
    }

    private static String seconds(long millis) {
        return millis % 1000 == 0 ? Long.toString(millis / 1000) : String.format(Locale.ROOT, "%.1f", millis / 1000.0);
    }
}
