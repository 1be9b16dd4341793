package io.rill.bench.report;

import java.util.List;
import java.util.Locale;

import org.HdrHistogram.Histogram;

import io.rill.bench.latency.LatencyBenchmark;
import io.rill.bench.latency.RateSweep;
import io.rill.bench.throughput.ThroughputBenchmark;

/**
 * The two charts of the report as plain SVG 1.1 text: horizontal bars, labels drawn beside them,
 * no scripts or external fonts, so GitHub and any browser render them as they are.
 */
public final class SvgChart {

    private static final int WIDTH = 820;
    private static final int LABEL_WIDTH = 270;
    private static final int PLOT_WIDTH = WIDTH - LABEL_WIDTH - 190;
    private static final String FONT = "font-family=\"Helvetica, Arial, sans-serif\"";
    private static final String[] PALETTE = {"#7f7f7f", "#4e79a7", "#a0cbe8", "#59a14f", "#8cd17d", "#f28e2b", "#b07aa1"};

    private SvgChart() {
    }

    /** One bar per contender: median msg/s, with the ratio to the first (the anchor). */
    public static String throughput(List<ThroughputBenchmark.Result> results, String title) {
        int row = 34;
        int top = 56;
        int height = top + results.size() * row + 44;
        double max = results.stream().mapToDouble(ThroughputBenchmark.Result::median).max().orElse(1);
        double scaleMax = niceCeiling(max);
        double anchor = results.get(0).median();
        StringBuilder svg = open(height, title);
        int axisY = top + results.size() * row + 4;
        for (int t = 0; t <= 5; t++) {
            double value = scaleMax * t / 5;
            double x = LABEL_WIDTH + PLOT_WIDTH * t / 5.0;
            svg.append(line(x, top - 6, x, axisY, "#e0e0e0", 1, false));
            svg.append(text(x, axisY + 16, "middle", 11, "#555", String.format(Locale.ROOT, "%,.0fk", value / 1000)));
        }
        svg.append(text(LABEL_WIDTH + PLOT_WIDTH / 2.0, axisY + 32, "middle", 11, "#555", "messages per second (median)"));
        for (int i = 0; i < results.size(); i++) {
            ThroughputBenchmark.Result r = results.get(i);
            double y = top + i * row;
            double w = PLOT_WIDTH * r.median() / scaleMax;
            svg.append(text(LABEL_WIDTH - 10, y + 18, "end", 13, "#222", r.contender().name()));
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"24\" fill=\"%s\"/>%n",
                    LABEL_WIDTH, y + 2, Math.max(w, 1), PALETTE[i % PALETTE.length]));
            svg.append(text(LABEL_WIDTH + w + 6, y + 18, "start", 12, "#222",
                    String.format(Locale.ROOT, "%,.0f/s  (%.2f×%s)", r.median(), r.median() / anchor,
                            r.contender().semantics().equals("at-least-once") ? "" : ", " + r.contender().semantics())));
        }
        return close(svg);
    }

    /**
     * One panel per rate; per contender a bar to p99.9 with p99 and p50 drawn darker inside it, on a
     * logarithmic axis shared by the panels. A saturated contender gets a note instead of a bar.
     *
     * @param targetP99Ms drawn as a dashed line in the panel of {@code targetRate}
     */
    public static String latency(List<LatencyBenchmark.Result> results, List<Integer> rates, List<String> contenders,
            String title, int targetRate, double targetP99Ms) {
        int row = 26;
        int panelGap = 34;
        int top = 74;
        int panelHeight = contenders.size() * row;
        int height = top + rates.size() * (panelHeight + panelGap) + 8; // the last panel's axis labels, then the caption
        double lo = Double.MAX_VALUE;
        double hi = targetP99Ms;
        for (LatencyBenchmark.Result r : results) {
            if (r.keptUp() && r.latency().getTotalCount() > 0) {
                lo = Math.min(lo, LatencyBenchmark.ms(r.latency().getValueAtPercentile(50)));
                hi = Math.max(hi, LatencyBenchmark.ms(r.latency().getValueAtPercentile(99.9)));
            }
        }
        double minDecade = Math.floor(Math.log10(lo == Double.MAX_VALUE ? 0.1 : lo));
        double maxDecade = Math.ceil(Math.log10(hi));
        if (maxDecade <= minDecade) {
            maxDecade = minDecade + 1;
        }
        StringBuilder svg = open(height, title);
        // legend
        String[] legend = {"p50", "p99", "p99.9"};
        String[] shades = {"#1f4e79", "#4e79a7", "#bcd3ea"};
        for (int i = 0; i < 3; i++) {
            int x = LABEL_WIDTH + i * 90;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"42\" width=\"14\" height=\"12\" fill=\"%s\"/>%n", x, shades[i]));
            svg.append(text(x + 20, 52, "start", 12, "#222", legend[i]));
        }
        for (int p = 0; p < rates.size(); p++) {
            int rate = rates.get(p);
            double panelTop = top + p * (panelHeight + panelGap);
            svg.append(text(12, panelTop - 8, "start", 13, "#222", String.format(Locale.ROOT, "%,d entries/s", rate)));
            double axisY = panelTop + panelHeight;
            for (double d = minDecade; d <= maxDecade; d++) {
                double x = xLog(Math.pow(10, d), minDecade, maxDecade);
                svg.append(line(x, panelTop - 2, x, axisY, "#e0e0e0", 1, false));
                svg.append(text(x, axisY + 13, "middle", 10, "#555", decadeLabel(d)));
            }
            if (rate == targetRate) {
                double x = xLog(targetP99Ms, minDecade, maxDecade);
                svg.append(line(x, panelTop - 4, x, axisY, "#d62728", 1.5, true));
                svg.append(text(x + 4, panelTop - 8, "start", 10, "#d62728",
                        String.format(Locale.ROOT, "target p99 ≤ %s ms", trim(targetP99Ms))));
            }
            for (int c = 0; c < contenders.size(); c++) {
                String name = contenders.get(c);
                double y = panelTop + c * row;
                svg.append(text(LABEL_WIDTH - 10, y + 16, "end", 12, "#222", name));
                LatencyBenchmark.Result r = find(results, rate, name);
                if (r == null) {
                    continue;
                }
                if (!r.keptUp()) {
                    svg.append(text(LABEL_WIDTH + 4, y + 16, "start", 12, "#b22222", String.format(Locale.ROOT,
                            "saturated: handled %,.0f of %,d entries/s", r.handledRate(), rate)));
                    continue;
                }
                Histogram h = r.latency();
                double[] values = {LatencyBenchmark.ms(h.getValueAtPercentile(99.9)),
                        LatencyBenchmark.ms(h.getValueAtPercentile(99)), LatencyBenchmark.ms(h.getValueAtPercentile(50))};
                String[] fills = {shades[2], shades[1], shades[0]};
                for (int k = 0; k < 3; k++) {
                    double w = xLog(values[k], minDecade, maxDecade) - LABEL_WIDTH;
                    svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>%n",
                            LABEL_WIDTH, y + 3, Math.max(w, 1), fills[k]));
                }
                double end = xLog(values[0], minDecade, maxDecade);
                svg.append(text(end + 6, y + 16, "start", 11, "#222", String.format(Locale.ROOT, "%s / %s / %s ms",
                        trim(values[2]), trim(values[1]), trim(values[0]))));
            }
        }
        svg.append(text(LABEL_WIDTH + PLOT_WIDTH / 2.0, height - 8, "middle", 11, "#555",
                "XADD to handler, milliseconds (log scale)"));
        return close(svg);
    }

    /**
     * The rate sweep: one bar per contender to the highest rate it sustained with p99 within the limit,
     * labelled with that rate and what happened at the next step.
     */
    public static String sweep(List<RateSweep.Outcome> outcomes, String title) {
        int row = 34;
        int top = 56;
        int height = top + outcomes.size() * row + 44;
        double max = outcomes.stream().mapToDouble(RateSweep.Outcome::highestSustained).max().orElse(0);
        double scaleMax = niceCeiling(Math.max(max, 1000));
        StringBuilder svg = open(height, title);
        int axisY = top + outcomes.size() * row + 4;
        for (int t = 0; t <= 5; t++) {
            double value = scaleMax * t / 5;
            double x = LABEL_WIDTH + PLOT_WIDTH * t / 5.0;
            svg.append(line(x, top - 6, x, axisY, "#e0e0e0", 1, false));
            svg.append(text(x, axisY + 16, "middle", 11, "#555", String.format(Locale.ROOT, "%,.0fk", value / 1000)));
        }
        svg.append(text(LABEL_WIDTH + PLOT_WIDTH / 2.0, axisY + 32, "middle", 11, "#555",
                "highest producer rate sustained, entries per second"));
        for (int i = 0; i < outcomes.size(); i++) {
            RateSweep.Outcome o = outcomes.get(i);
            double y = top + i * row;
            double w = PLOT_WIDTH * o.highestSustained() / scaleMax;
            svg.append(text(LABEL_WIDTH - 10, y + 18, "end", 13, "#222", o.contender()));
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"24\" fill=\"%s\"/>%n",
                    LABEL_WIDTH, y + 2, Math.max(w, 1), PALETTE[i % PALETTE.length]));
            RateSweep.Step stop = o.stoppedAt();
            String label = String.format(Locale.ROOT, "%,d/s", o.highestSustained())
                    + (stop == null ? " (top of the sweep)" : String.format(Locale.ROOT, "; %,dk/s: %s", stop.rate() / 1000,
                            RateSweep.describe(stop)));
            svg.append(text(LABEL_WIDTH + w + 6, y + 18, "start", 11, "#222", label));
        }
        return close(svg);
    }

    private static LatencyBenchmark.Result find(List<LatencyBenchmark.Result> results, int rate, String name) {
        for (LatencyBenchmark.Result r : results) {
            if (r.rate() == rate && r.contender().name().equals(name)) {
                return r;
            }
        }
        return null;
    }

    private static double xLog(double ms, double minDecade, double maxDecade) {
        double v = Math.log10(Math.max(ms, Math.pow(10, minDecade)));
        return LABEL_WIDTH + PLOT_WIDTH * (v - minDecade) / (maxDecade - minDecade);
    }

    private static String decadeLabel(double decade) {
        double v = Math.pow(10, decade);
        return (v >= 1 ? String.format(Locale.ROOT, "%,.0f", v) : trim(v)) + " ms";
    }

    /** 0.123, 1.23, 12.3, 123: three significant digits, no trailing zeros. */
    static String trim(double ms) {
        String s;
        if (ms >= 100) {
            s = String.format(Locale.ROOT, "%,.0f", ms);
        } else if (ms >= 10) {
            s = String.format(Locale.ROOT, "%.1f", ms);
        } else if (ms >= 1) {
            s = String.format(Locale.ROOT, "%.2f", ms);
        } else {
            s = String.format(Locale.ROOT, "%.3f", ms);
        }
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }

    private static double niceCeiling(double value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static StringBuilder open(int height, String title) {
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" %s>%n", WIDTH, height, WIDTH, height, FONT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", WIDTH, height));
        svg.append(text(12, 24, "start", 15, "#111", title));
        return svg;
    }

    private static String close(StringBuilder svg) {
        return svg.append("</svg>\n").toString();
    }

    private static String line(double x1, double y1, double x2, double y2, String color, double width, boolean dashed) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                + "stroke-width=\"%s\"%s/>%n", x1, y1, x2, y2, color, width, dashed ? " stroke-dasharray=\"4 3\"" : "");
    }

    private static String text(double x, double y, String anchor, int size, String color, String content) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\" fill=\"%s\">%s</text>%n",
                x, y, anchor, size, color, escape(content));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
