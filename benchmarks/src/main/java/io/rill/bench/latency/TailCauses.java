package io.rill.bench.latency;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the slowest entries of a latency phase waited through. The handler keeps every entry at least
 * {@link #KEPT_NANOS} late (its due time and latency); after the phase, {@link #explain} takes those at or
 * above a percentile of the phase (the p99 and the p99.9) and names, for each, the first of these that held it up: the producer sent it
 * late, a GC pause or another safepoint of the contender's JVM overlapped its wait, a harness thread that only
 * sleeps overslept during it (the JVM or the machine stalled, not the consumer's threads alone), or an XADD of
 * the producer's took 1 ms or more to be answered during it (Redis, the loopback or the producer's JVM slow:
 * last, since on a loaded machine such answers come often). An entry none of them explains waited for the
 * contender itself.
 *
 * <p>A long wait overlaps some stall by chance on a machine that stalls often, so beside each share the
 * finding gives the chance that a wait of the same length, at a random time of the window, overlaps one.
 */
public final class TailCauses {

    /** A span of the machine's monotonic clock, ns, both ends included. */
    public record Span(long from, long to) {
    }

    /** What held the entries up, as spans of the monotonic clock. */
    public record Holdups(List<Span> producerLate, List<Span> gcPauses, List<Span> safepoints, List<Span> stalls, List<Span> slowXadds) {
    }

    /**
     * @param percentile which of the phase's percentiles, as printed ("p99.9")
     * @param threshold the latency the tail entries reached, ns: the percentile's, or {@link #KEPT_NANOS} if that is more
     * @param entries   entries at or above it
     * @param bursts    runs of them whose due times lie within {@link #BURST_GAP_NANOS} of each other
     * @param largest   entries of the largest run
     * @param shares    of the entries: producer late, GC pause, other safepoint, a stalled sleeper, slow XADD, none
     * @param chances   for GC pause, safepoint, stall and slow XADD: the chance a wait as long as the entries' median overlaps one
     * @param lost      slow entries the handler could not keep (beyond {@link #CAPACITY}): the shares cover the rest
     */
    public record Finding(String percentile, long threshold, int entries, int bursts, int largest, double[] shares, double[] chances, int lost) {

        @Override
        public String toString() {
            if (entries == 0) {
                return "tail " + percentile + ": no entry kept";
            }
            return String.format(Locale.ROOT, "tail %s, ≥ %.2f ms: %d entries in %d bursts (largest %d); producer late %.0f%%,"
                    + " gc %.0f%% (chance %.0f%%), safepoint %.0f%% (%.0f%%), stalled sleeper %.0f%% (%.0f%%), slow XADD %.0f%%"
                    + " (%.0f%%), none %.0f%%%s",
                    percentile, threshold / 1e6, entries, bursts, largest, shares[0] * 100, shares[1] * 100, chances[0] * 100,
                    shares[2] * 100, chances[1] * 100, shares[3] * 100, chances[2] * 100, shares[4] * 100, chances[3] * 100,
                    shares[5] * 100,
                    lost > 0 ? String.format(Locale.ROOT, " (%d slow entries not kept)", lost) : "");
        }
    }

    /** Entries later than this are kept: below it no stall the harness sees could explain them. */
    static final long KEPT_NANOS = 1_000_000;
    /** Slow entries kept per phase (every measured entry of 10 s at 100,000/s); more are counted only. */
    static final int CAPACITY = 1 << 20;
    /** Tail entries due this close to each other belong to one burst. */
    static final long BURST_GAP_NANOS = 1_000_000;

    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLongArray dues = new AtomicLongArray(CAPACITY);
    private final AtomicLongArray latencies = new AtomicLongArray(CAPACITY);

    /** Before a phase: forgets the last one's entries (one instance serves a run: 16 MB are not allocated per phase). */
    void clear() {
        int used = Math.min(count.getAndSet(0), CAPACITY);
        for (int i = 0; i < used; i++) {
            latencies.set(i, 0);
        }
    }

    /** On a handler's thread: keeps an entry at least {@link #KEPT_NANOS} late. */
    void record(long due, long latency) {
        if (latency >= KEPT_NANOS) {
            int i = count.getAndIncrement();
            if (i < CAPACITY) {
                dues.set(i, due);
                latencies.set(i, latency); // last: a reader takes an entry once its latency is set
            }
        }
    }

    /**
     * Once the handler has stopped: what held up the entries at or above {@code atOrAbove}, the phase's
     * {@code percentile} (at or above {@link #KEPT_NANOS} when that is more: those are all that were kept).
     */
    Finding explain(String percentile, long atOrAbove, long windowFrom, long windowTo, Holdups holdups) {
        long threshold = Math.max(atOrAbove, KEPT_NANOS);
        int n = Math.min(count.get(), CAPACITY);
        List<long[]> tail = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long latency = latencies.get(i);
            if (latency != 0 && latency >= threshold) {
                tail.add(new long[] {dues.get(i), latency});
            }
        }
        return explain(percentile, tail, threshold, windowFrom, windowTo, holdups, Math.max(0, count.get() - CAPACITY));
    }

    /** The analysis, on {due, latency} pairs. */
    static Finding explain(String percentile, List<long[]> tail, long threshold, long windowFrom, long windowTo, Holdups holdups, int lost) {
        if (tail.isEmpty()) {
            return new Finding(percentile, threshold, 0, 0, 0, new double[6], new double[4], lost);
        }
        List<long[]> sorted = new ArrayList<>(tail);
        sorted.sort(Comparator.comparingLong(e -> e[0]));
        int bursts = 0;
        int run = 0;
        int largest = 0;
        long previous = Long.MIN_VALUE;
        int[] counts = new int[6];
        for (long[] entry : sorted) {
            long due = entry[0];
            if (bursts == 0 || due - previous > BURST_GAP_NANOS) {
                bursts++;
                run = 0;
            }
            run++;
            largest = Math.max(largest, run);
            previous = due;
            counts[cause(due, entry[1], holdups)]++;
        }
        double[] shares = new double[6];
        for (int i = 0; i < shares.length; i++) {
            shares[i] = (double) counts[i] / sorted.size();
        }
        long[] waits = sorted.stream().mapToLong(e -> e[1]).sorted().toArray();
        long wait = waits[waits.length / 2];
        double[] chances = {chance(holdups.gcPauses(), wait, windowFrom, windowTo), chance(holdups.safepoints(), wait, windowFrom, windowTo),
                chance(holdups.stalls(), wait, windowFrom, windowTo), chance(holdups.slowXadds(), wait, windowFrom, windowTo)};
        return new Finding(percentile, threshold, sorted.size(), bursts, largest, shares, chances, lost);
    }

    /** 0 producer late, 1 GC pause, 2 safepoint, 3 stalled sleeper, 4 slow XADD, 5 none: the first that held the entry up. */
    static int cause(long due, long latency, Holdups holdups) {
        for (Span late : holdups.producerLate()) {
            if (due >= late.from() && due <= late.to()) {
                return 0;
            }
        }
        List<List<Span>> inOrder = List.of(holdups.gcPauses(), holdups.safepoints(), holdups.stalls(), holdups.slowXadds());
        for (int i = 0; i < inOrder.size(); i++) {
            if (overlaps(inOrder.get(i), due, due + latency)) {
                return i + 1;
            }
        }
        return 5;
    }

    private static boolean overlaps(List<Span> spans, long from, long to) {
        for (Span span : spans) {
            if (span.from() <= to && span.to() >= from) {
                return true;
            }
        }
        return false;
    }

    /**
     * The share of the window's due times whose wait of {@code wait} ns would overlap one of the spans:
     * the length of the union of {@code [span.from - wait, span.to]} within the window, over the window's.
     */
    static double chance(List<Span> spans, long wait, long windowFrom, long windowTo) {
        long[][] widened = spans.stream()
                .map(s -> new long[] {Math.max(windowFrom, s.from() - wait), Math.min(windowTo, s.to())})
                .filter(s -> s[0] < s[1])
                .sorted(Comparator.comparingLong(s -> s[0]))
                .toArray(long[][]::new);
        long covered = 0;
        long end = Long.MIN_VALUE;
        for (long[] s : widened) {
            if (s[0] > end) {
                covered += s[1] - s[0];
                end = s[1];
            } else if (s[1] > end) {
                covered += s[1] - end;
                end = s[1];
            }
        }
        return windowTo > windowFrom ? (double) covered / (windowTo - windowFrom) : 0;
    }

    /** {@code from:to,from:to}, or {@code -} for none: one token of the producer's done line. */
    static String encode(List<Span> spells) {
        if (spells.isEmpty()) {
            return "-";
        }
        StringBuilder out = new StringBuilder();
        for (Span spell : spells) {
            out.append(out.isEmpty() ? "" : ",").append(spell.from()).append(':').append(spell.to());
        }
        return out.toString();
    }

    static List<Span> decode(String token) {
        if (token.equals("-")) {
            return List.of();
        }
        List<Span> spells = new ArrayList<>();
        for (String spell : token.split(",")) {
            int colon = spell.indexOf(':');
            spells.add(new Span(Long.parseLong(spell.substring(0, colon)), Long.parseLong(spell.substring(colon + 1))));
        }
        return spells;
    }

    /**
     * The producer's side: the runs of consecutive entries it sent at least {@link #KEPT_NANOS} after their due
     * time, as spans of due times (at most {@link #MAX_SPELLS}; a producer that late that often is in the lag
     * figures anyway).
     */
    static final class LateSpells {
        static final int MAX_SPELLS = 4096;
        private final List<Span> spells = new ArrayList<>();
        private long from = -1;
        private long to;

        /** Each entry in due order, with how late it was sent. */
        void sent(long due, long lag) {
            if (lag >= KEPT_NANOS) {
                if (from < 0) {
                    from = due;
                }
                to = due;
            } else {
                close();
            }
        }

        /** The spells so far, the open one ended. */
        List<Span> spells() {
            close();
            return List.copyOf(spells);
        }

        private void close() {
            if (from >= 0 && spells.size() < MAX_SPELLS) {
                spells.add(new Span(from, to));
            }
            from = -1;
        }
    }

    /**
     * The producer's side: when its XADDs of measured entries took {@link #KEPT_NANOS} or more from their write to
     * their answer, as spans merged where they overlap (at most {@link LateSpells#MAX_SPELLS}). Answers come on
     * the producer's I/O thread, in order.
     */
    static final class SlowXadds {
        private final List<Span> spans = new ArrayList<>();

        synchronized void answered(long written, long answered) {
            if (answered - written < KEPT_NANOS) {
                return;
            }
            int last = spans.size() - 1;
            if (last >= 0 && written <= spans.get(last).to()) {
                spans.set(last, new Span(spans.get(last).from(), Math.max(answered, spans.get(last).to())));
            } else if (spans.size() < LateSpells.MAX_SPELLS) {
                spans.add(new Span(written, answered));
            }
        }

        synchronized List<Span> spans() {
            return List.copyOf(spans);
        }
    }
}
