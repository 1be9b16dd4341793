package io.rill.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rill.bench.Machine;
import io.rill.bench.contender.Contender;
import io.rill.bench.contender.Contenders;
import io.rill.bench.CostProbe;
import io.rill.bench.latency.GcPauses;
import io.rill.bench.latency.LatencyBenchmark;
import io.rill.bench.latency.RateSweep;
import io.rill.bench.latency.RoundTripFloor;
import io.rill.bench.throughput.ThroughputBenchmark;

/** The report rewrites only its block of the page, computes the targets, and writes charts that parse. */
class MarkdownReportTest {

    private final List<Contender> contenders = Contenders.all(500); // loop, SDR ack, SDR auto-ack, Rill

    @Test
    void replacesOnlyTheResultsBlockAndJudgesTheTargets(@TempDir Path docs) throws Exception {
        Files.writeString(docs.resolve("benchmarks.md"), "# Benchmarks\n\nMethod prose.\n\n" + MarkdownReport.BEGIN
                + "\nold figures\n" + MarkdownReport.END + "\n\n## Findings\n\nHand-written.\n");
        MarkdownReport.write(docs, run(), throughput(), latencies(), contenders);

        String page = Files.readString(docs.resolve("benchmarks.md"));
        assertTrue(page.startsWith("# Benchmarks\n\nMethod prose.\n\n" + MarkdownReport.BEGIN), page);
        assertTrue(page.endsWith(MarkdownReport.END + "\n\n## Findings\n\nHand-written.\n"), page);
        assertFalse(page.contains("old figures"));
        assertTrue(page.contains("| Rill, journal off | at-least-once | 225,000 | 220,000, 230,000, 225,000 | 1.13 | 0.00 | 0.00 | unknown |"), page);
        assertTrue(page.contains("| Rill, journal off ≥ 0.9× the plain loop | 1.13× | met |"), page);
        assertTrue(page.contains("| Rill, journal off ≥ 8× Spring Data Redis, ack per message | 15.0× | met |"), page);
        assertTrue(page.contains("| Rill, journal off p99 ≤ 2 ms at 10,000 entries/s | 3 ms | **missed** |"), page);
        assertTrue(page.contains("| Rill, journal off: p99 and p99.9 no worse than the plain loop's at every rate | worse at "
                + "10,000/s | **missed** |"), page);
        assertTrue(page.contains("| Rill, journal off: p99 ≤ 1.5 ms at 10,000/s | 3 ms | **missed** |"), page);
        assertTrue(page.contains("saturated (handled 9,000/s)"), page);
        assertTrue(page.contains("**Provisional figures**"), "a busy machine makes the figures provisional");
        assertEquals(1, page.split(MarkdownReport.BEGIN, -1).length - 1, "one results block");

        for (String chart : List.of("throughput.svg", "latency.svg")) {
            byte[] svg = Files.readAllBytes(docs.resolve("benchmarks").resolve(chart));
            String root = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg))
                    .getDocumentElement().getNodeName();
            assertEquals("svg", root, chart);
        }
        String latencySvg = Files.readString(docs.resolve("benchmarks/latency.svg"), StandardCharsets.UTF_8);
        assertTrue(latencySvg.contains("saturated: handled 9,000 of 10,000 entries/s"), latencySvg);
    }

    @Test
    void theNoWorseRowSaysInHowManyRoundsPairedOneByOneTheContenderWasNoWorseThanTheLoop(@TempDir Path docs) throws Exception {
        Files.writeString(docs.resolve("benchmarks.md"), MarkdownReport.BEGIN + "\n" + MarkdownReport.END + "\n");
        // median rounds equal (2.0 ms): met, though the contender was no worse in one round of three only
        LatencyBenchmark.Result loop = rounds(contenders.get(0), 2.5, 2.0, 1.5);
        LatencyBenchmark.Result rill = rounds(contenders.get(3), 1.0, 3.0, 2.0);

        MarkdownReport.write(docs, run(), throughput(), List.of(loop, rill), contenders);

        String page = Files.readString(docs.resolve("benchmarks.md"));
        assertTrue(page.contains("| Rill, journal off: p99 and p99.9 no worse than the plain loop's at every rate | at every rate; "
                + "rounds no worse, p99 / p99.9: 10,000/s 1 / 1 of 3 | met |"), page);
    }

    /** The median of rounds at 10,000/s with these p99s (p99.9 the same), in this order. */
    private static LatencyBenchmark.Result rounds(Contender contender, double... p99Ms) {
        List<LatencyBenchmark.Result> all = new ArrayList<>();
        for (double p99 : p99Ms) {
            all.add(latency(contender, 10_000, p99, true));
        }
        double[] sorted = p99Ms.clone();
        Arrays.sort(sorted);
        return latency(contender, 10_000, sorted[sorted.length / 2], true).withRounds(all);
    }

    @Test
    void replacesOnlyTheSweepBlockAndDrawsTheSweep(@TempDir Path docs) throws Exception {
        String before = "# Benchmarks\n\n" + MarkdownReport.BEGIN + "\nresults\n" + MarkdownReport.END + "\n\n## Rate sweep\n\n"
                + MarkdownReport.SWEEP_BEGIN + "\nold sweep\n" + MarkdownReport.SWEEP_END + "\n\n## Findings\n";
        Files.writeString(docs.resolve("benchmarks.md"), before);
        RateSweep sweep = new RateSweep(List.of(10_000, 20_000, 40_000), 50);
        List<RateSweep.Outcome> outcomes = List.of(
                new RateSweep.Outcome("plain Lettuce loop", "at-least-once", List.of(
                        new RateSweep.Step(10_000, RateSweep.Verdict.SUSTAINED, 1.2, 0.5, 10_000),
                        new RateSweep.Step(20_000, RateSweep.Verdict.SUSTAINED, 3.4, 0.5, 20_000),
                        new RateSweep.Step(40_000, RateSweep.Verdict.P99_OVER_LIMIT, 75, 0.5, 40_000))),
                new RateSweep.Outcome("Spring Data Redis, ack per message", "at-least-once", List.of(
                        new RateSweep.Step(10_000, RateSweep.Verdict.SATURATED, Double.NaN, 0.5, 4_900))),
                new RateSweep.Outcome("Rill, journal off", "at-least-once", List.of(
                        new RateSweep.Step(10_000, RateSweep.Verdict.SUSTAINED, 1, 0.5, 10_000),
                        new RateSweep.Step(20_000, RateSweep.Verdict.SUSTAINED, 2, 0.5, 20_000),
                        new RateSweep.Step(40_000, RateSweep.Verdict.SUSTAINED, 4, 0.5, 40_000))));
        MarkdownReport.SweepRun run = new MarkdownReport.SweepRun("benchmarks/run sweep", ZonedDateTime.now(),
                Machine.describe("7.0.15"), "local", "0.20 / 0.30 / 0.40", "0.50 / 0.40 / 0.40", 0.01, sweep,
                new LatencyBenchmark.Settings(List.of(10_000), Duration.ofSeconds(2), Duration.ofSeconds(5),
                        Duration.ofSeconds(2), 100), List.of());

        MarkdownReport.writeSweep(docs, run, outcomes);

        String page = Files.readString(docs.resolve("benchmarks.md"));
        assertTrue(page.startsWith("# Benchmarks\n\n" + MarkdownReport.BEGIN + "\nresults\n"), page);
        assertTrue(page.endsWith(MarkdownReport.SWEEP_END + "\n\n## Findings\n"), page);
        assertFalse(page.contains("old sweep"));
        assertTrue(page.contains("| plain Lettuce loop | at-least-once | 20,000/s | 3.4 ms | 40,000/s: p99 75.0 ms | 10k: 1.2, 20k: 3.4, 40k: 75 |"), page);
        assertTrue(page.contains("| Spring Data Redis, ack per message | at-least-once | none of the steps | – | 10,000/s: saturated (handled 4,900/s) |"), page);
        assertTrue(page.contains("| Rill, journal off | at-least-once | 40,000/s (top of the sweep) | 4 ms | – |"), page);
        assertTrue(page.contains("- Steps: 10,000, 20,000, 40,000 entries/s; each a latency phase of 2 s warm-up and 5 s measured"), page);

        MarkdownReport.SweepRun inRounds = new MarkdownReport.SweepRun("benchmarks/run sweep --latency-rounds 3",
                ZonedDateTime.now(), Machine.describe("7.0.15"), "local", "0.20 / 0.30 / 0.40", "0.50 / 0.40 / 0.40", 0.01,
                sweep, new LatencyBenchmark.Settings(List.of(10_000), Duration.ofSeconds(2), Duration.ofSeconds(5),
                        Duration.ofSeconds(2), 100, 3), List.of());
        String block = MarkdownReport.sweepBlock(inRounds, outcomes);
        assertTrue(block.contains("each 3 latency phases of 2 s warm-up and 5 s measured, 2 s drain grace, the one with the "
                + "median p99 judged; a contender stops"), block);
        byte[] svg = Files.readAllBytes(docs.resolve("benchmarks/sweep.svg"));
        assertEquals("svg", DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg))
                .getDocumentElement().getNodeName());
        String text = new String(svg, StandardCharsets.UTF_8);
        assertTrue(text.contains("20,000/s; 40k/s: p99 75.0 ms"), text);
        assertTrue(text.contains("40,000/s (top of the sweep)"), text);
    }

    private List<ThroughputBenchmark.Result> throughput() {
        return List.of(
                new ThroughputBenchmark.Result(contenders.get(0), List.of(200_000.0, 190_000.0, 210_000.0), List.of()),
                new ThroughputBenchmark.Result(contenders.get(1), List.of(15_000.0, 15_000.0, 15_000.0), List.of()),
                new ThroughputBenchmark.Result(contenders.get(2), List.of(150_000.0, 150_000.0, 150_000.0), List.of()),
                new ThroughputBenchmark.Result(contenders.get(3), List.of(220_000.0, 230_000.0, 225_000.0), List.of()));
    }

    private List<LatencyBenchmark.Result> latencies() {
        return List.of(
                latency(contenders.get(0), 10_000, 1.5, true),
                latency(contenders.get(1), 10_000, 0, false),
                latency(contenders.get(2), 10_000, 1.0, true),
                latency(contenders.get(3), 10_000, 3.0, true)); // p99 above the 2 ms target
    }

    private static LatencyBenchmark.Result latency(Contender contender, int rate, double p99Ms, boolean keptUp) {
        Histogram h = new Histogram(3);
        long p99 = (long) (p99Ms * 1e6);
        for (int i = 0; i < 1000; i++) {
            h.recordValue(i < 985 ? p99 / 10 : p99); // 1.5% at the p99 value: p99 lands on it
        }
        Histogram lag = new Histogram(3);
        lag.recordValue(10_000);
        CostProbe.Cost cost = new CostProbe.Cost(10, 2, 0, 5, 5, 12, Map.of(), Map.of(), Map.of(), 0.01, 3, 0);
        return new LatencyBenchmark.Result(contender, rate, 1000, keptUp ? 1000 : 900, keptUp ? rate : 9_000, h, lag, cost, "",
                new GcPauses.Summary(0, Duration.ZERO, Duration.ZERO, Duration.ZERO), List.of());
    }

    @Test
    void aSlowRoundTripOfTheMachineMakesAQuietRunProvisional() {
        assertEquals("", MarkdownReport.provisional(quietRun(floor(0.4), floor(0.9))), "load, others' CPU and round trip low");

        String why = MarkdownReport.provisional(quietRun(floor(0.4), floor(2.5)));
        assertTrue(why.contains("the machine's own round trip was slow (a PING at 1,000/s had a p99 of 2.5 ms, 1 ms or "
                + "more)"), why);
        String header = MarkdownReport.block(quietRun(floor(0.4), floor(2.5)), throughput(), latencies());
        assertTrue(header.contains("> **Provisional figures**: the machine's own round trip was slow"), header);
        assertTrue(header.contains("- The machine's own round trip (a synchronous PING at 1,000/s for 10 s, `benchmarks/run "
                + "floor`), p99 / p99.9: 0.4 / 0.4 ms before the first phase, 2.5 / 2.5 ms after the last"), header);
    }

    /** A round of {@code RoundTripFloor.check} whose p99 (and p99.9) is {@code p99Ms}: 10 s at 1,000/s. */
    private static RoundTripFloor.Result floor(double p99Ms) {
        Histogram h = new Histogram(3);
        for (int i = 0; i < 10_000; i++) {
            h.recordValue(i < 9_800 ? 100_000 : (long) (p99Ms * 1e6)); // 2 % at p99Ms: p99 and p99.9 land on it
        }
        return new RoundTripFloor.Result(RoundTripFloor.CHECK_RATE, h, 50, 20, true);
    }

    private static MarkdownReport.Run quietRun(RoundTripFloor.Result before, RoundTripFloor.Result after) {
        return new MarkdownReport.Run("benchmarks/run", ZonedDateTime.now(), Machine.describe("7.0.15"), "local",
                "0.20 / 0.30 / 0.40", 0.2, "0.50 / 0.40 / 0.40", 0.01,
                new ThroughputBenchmark.Settings(1_000_000, 200_000, 5, 100),
                new LatencyBenchmark.Settings(List.of(10_000), Duration.ofSeconds(2), Duration.ofSeconds(10),
                        Duration.ofSeconds(2), 100), List.of(before, after));
    }

    private static MarkdownReport.Run run() {
        return new MarkdownReport.Run("benchmarks/run", ZonedDateTime.now(), Machine.describe("7.0.15"), "local",
                "2.50 / 1.00 / 0.50", 2.5, "2.00 / 1.00 / 0.50", 0.3,
                new ThroughputBenchmark.Settings(1_000_000, 200_000, 3, 100),
                new LatencyBenchmark.Settings(List.of(10_000), Duration.ofSeconds(2), Duration.ofSeconds(10),
                        Duration.ofSeconds(2), 100), List.of());
    }
}
