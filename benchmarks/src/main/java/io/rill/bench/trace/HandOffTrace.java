package io.rill.bench.trace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.HdrHistogram.Histogram;

/**
 * What the scheduler did with each hand-off from a Lettuce I/O thread to the thread that runs the handler (the
 * plain loop's thread, a Rill worker), read from {@code perf script} output of a {@code perf sched record -a}
 * (its {@code sched_waking} and {@code sched_switch} events; {@code benchmarks/trace-handoffs} records one).
 * Per woken thread name: the time from Redis waking the I/O thread (its reply) to the woken thread running, which
 * is the consumer's part of an entry's latency up to the handler; how long the woken thread waited for a CPU and
 * where it ran; and how long the I/O thread ran on after the wake and whether it woke Redis meanwhile (a command's
 * write on loopback does). On a 2-vCPU VM a woken thread mostly queues behind its waker, so whatever the I/O
 * thread does after the wake is in the entry's latency (docs/benchmarks.md, seventeenth pass).
 */
public final class HandOffTrace {

    /**
     * {@code comm tid [cpu] seconds: sched:event: fields}, or {@code syscalls:sys_enter_write: ...} for a handler's
     * mark ({@link HandlerMark}); a comm may hold spaces.
     */
    private static final Pattern LINE = Pattern.compile(
            "^\\s*(.+?)\\s+(\\d+)\\s+\\[(\\d+)]\\s+(\\d+)\\.(\\d{6}):\\s+(?:sched|syscalls):(\\w+):\\s+(.*)$");
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\\S+)");
    /** A wake of the I/O thread by Redis counts as the reply that led to a hand-off only this recently. */
    private static final long REPLY_WITHIN_MICROS = 2_000;

    record Event(String comm, int tid, int cpu, long micros, String name, Map<String, String> fields) {
    }

    /** One woken thread name's hand-offs, in µs. */
    private static final class Woken {
        final Histogram fromReply = new Histogram(3);
        /** Of {@code fromReply}: Redis's wake of the I/O thread to its running, and its running to the hand-off. */
        final Histogram ioWakeUp = new Histogram(3);
        final Histogram ioWork = new Histogram(3);
        final Histogram waits = new Histogram(3);
        /** The waits of hand-offs that did not run on the waker's CPU right after it. */
        final Histogram waitsElsewhere = new Histogram(3);
        final Histogram wakerRanOn = new Histogram(3);
        int wakerWokeRedis;
        /** With handler marks: Redis's wake of the I/O thread to the handler's first mark, and this thread's run to it. */
        final Histogram toHandler = new Histogram(3);
        final Histogram ranToHandler = new Histogram(3);
    }

    /** A thread that ran after a wake Redis's reply led to, until its handler marks: the reply, when it ran. */
    private record Started(long reply, long ran, String woken) {
    }

    /**
     * A wake not yet followed by the woken thread's switch-in; {@code reply} is when Redis woke the I/O thread for it,
     * -1 when no reply of Redis led to it, and {@code ioRan} when the I/O thread ran after that.
     */
    private record Wake(long micros, long reply, long ioRan, int wakerTid, int wakerCpu, String woken) {
    }

    /** A waker's run after a wake, until it switches out. */
    private static final class Run {
        final long from;
        final String woken;
        boolean wokeRedis;

        Run(long from, String woken) {
            this.from = from;
            this.woken = woken;
        }
    }

    private final Map<String, Woken> byName = new LinkedHashMap<>();
    private final Map<Integer, Wake> wakes = new HashMap<>();
    private final Map<Integer, Run> runs = new HashMap<>();
    /** Per I/O thread: when Redis last woke it, and when it last ran after a wake. */
    private final Map<Integer, Long> wokenByRedis = new HashMap<>();
    private final Map<Integer, Long> switchedIn = new HashMap<>();
    private final Map<Integer, Started> started = new HashMap<>();

    /** Null for a line that is neither a scheduler event nor a handler's mark. */
    static Event parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return null;
        }
        Map<String, String> fields = new HashMap<>();
        Matcher f = FIELD.matcher(m.group(7));
        while (f.find()) {
            fields.putIfAbsent(f.group(1), f.group(2));
        }
        long micros = Long.parseLong(m.group(4)) * 1_000_000 + Long.parseLong(m.group(5));
        return new Event(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), micros, m.group(6), fields);
    }

    /** Lettuce's event loop threads, as Linux keeps their names (15 characters). */
    static boolean ioThread(String comm) {
        return comm.startsWith("lettuce-nioEv") || comm.startsWith("lettuce-epoll");
    }

    void accept(Event e) {
        if (e.name().equals("sys_enter_write")) { // a handler's mark (perf keeps only those writes)
            Started s = started.remove(e.tid());
            if (s != null) {
                Woken w = woken(s.woken());
                w.toHandler.recordValue(e.micros() - s.reply());
                w.ranToHandler.recordValue(e.micros() - s.ran());
            }
        } else if (e.name().equals("sched_waking")) {
            String target = e.fields().get("comm");
            int targetTid = Integer.parseInt(e.fields().get("pid"));
            if (ioThread(target)) {
                if (e.comm().startsWith("redis-server")) {
                    wokenByRedis.put(targetTid, e.micros());
                } else {
                    wokenByRedis.remove(targetTid);
                }
            }
            Run run = runs.get(e.tid());
            if (run != null && target.startsWith("redis-server")) {
                run.wokeRedis = true;
            }
            if (ioThread(e.comm()) && !target.startsWith("lettuce-") && !target.startsWith("redis-server")) {
                long reply = reply(e.tid(), e.micros());
                wakes.put(targetTid, new Wake(e.micros(), reply, switchedIn.getOrDefault(e.tid(), -1L), e.tid(), e.cpu(), target));
                runs.put(e.tid(), new Run(e.micros(), target));
            }
        } else if (e.name().equals("sched_switch")) {
            int prev = Integer.parseInt(e.fields().get("prev_pid"));
            int next = Integer.parseInt(e.fields().get("next_pid"));
            switchedIn.put(next, e.micros());
            Run run = runs.remove(prev);
            if (run != null) {
                Woken w = woken(run.woken);
                w.wakerRanOn.recordValue(e.micros() - run.from);
                if (run.wokeRedis) {
                    w.wakerWokeRedis++;
                }
            }
            Wake wake = wakes.remove(next);
            if (wake != null) {
                Woken w = woken(wake.woken());
                w.waits.recordValue(e.micros() - wake.micros());
                if (e.cpu() != wake.wakerCpu() || prev != wake.wakerTid()) {
                    w.waitsElsewhere.recordValue(e.micros() - wake.micros());
                }
                started.remove(next); // a wake that no reply led to (an XACK's answer, say) starts nothing
                if (wake.reply() >= 0) {
                    started.put(next, new Started(wake.reply(), e.micros(), wake.woken()));
                    w.fromReply.recordValue(e.micros() - wake.reply());
                    w.ioWakeUp.recordValue(wake.ioRan() - wake.reply());
                    w.ioWork.recordValue(wake.micros() - wake.ioRan());
                }
            }
        }
    }

    /**
     * When Redis woke this I/O thread for the run in which it hands off at {@code now}; -1 when it did not, or when
     * an earlier hand-off of the same run counted that wake already.
     */
    private long reply(int ioTid, long now) {
        Long woken = wokenByRedis.remove(ioTid);
        Long ran = switchedIn.get(ioTid);
        return woken != null && ran != null && ran >= woken && now - woken <= REPLY_WITHIN_MICROS ? woken : -1;
    }

    private Woken woken(String name) {
        return byName.computeIfAbsent(name, n -> new Woken());
    }

    /**
     * Five lines (six with handler marks) per woken thread name with at least {@code minimumPercent} of all hand-offs (a consumer's thread
     * gets one per read; the JIT's compiler threads, which an I/O thread wakes too, get a few). Percentiles by
     * nearest rank, exact below 2,048 µs; 0 where there is no value.
     */
    List<String> report(double minimumPercent) {
        long all = byName.values().stream().mapToLong(w -> w.waits.getTotalCount()).sum();
        List<String> lines = new ArrayList<>();
        byName.forEach((name, w) -> {
            long count = w.waits.getTotalCount();
            if (count == 0 || count < all * minimumPercent / 100) {
                return;
            }
            long here = count - w.waitsElsewhere.getTotalCount();
            lines.add(String.format(Locale.ROOT, "%s: %,d hand-offs from a Lettuce I/O thread", name, count));
            lines.add(String.format(Locale.ROOT, "  Redis woke the I/O thread -> this thread ran: p25 %d p50 %d p75 %d p90 %d µs (%,d hand-offs)",
                    w.fromReply.getValueAtPercentile(25), w.fromReply.getValueAtPercentile(50), w.fromReply.getValueAtPercentile(75),
                    w.fromReply.getValueAtPercentile(90), w.fromReply.getTotalCount()));
            lines.add(String.format(Locale.ROOT, "    of which Redis woke the I/O thread -> it ran: p50 %d µs; it ran -> woke this thread: p50 %d µs",
                    w.ioWakeUp.getValueAtPercentile(50), w.ioWork.getValueAtPercentile(50)));
            lines.add(String.format(Locale.ROOT, "  woken -> ran: p50 %d p90 %d p99 %d µs; on the waker's CPU right after it %.0f%%,"
                    + " elsewhere p50 %d µs", w.waits.getValueAtPercentile(50), w.waits.getValueAtPercentile(90), w.waits.getValueAtPercentile(99),
                    100.0 * here / count, w.waitsElsewhere.getValueAtPercentile(50)));
            lines.add(String.format(Locale.ROOT, "  the I/O thread after the wake: ran on p50 %d p75 %d p90 %d µs, woke Redis in %.0f%%",
                    w.wakerRanOn.getValueAtPercentile(50), w.wakerRanOn.getValueAtPercentile(75), w.wakerRanOn.getValueAtPercentile(90),
                    100.0 * w.wakerWokeRedis / Math.max(1, w.wakerRanOn.getTotalCount())));
            if (w.toHandler.getTotalCount() > 0) {
                lines.add(String.format(Locale.ROOT, "  Redis woke the I/O thread -> the handler started: p25 %d p50 %d p75 %d p90 %d µs"
                        + " (%,d handler starts); this thread ran -> the handler started: p50 %d p90 %d µs",
                        w.toHandler.getValueAtPercentile(25), w.toHandler.getValueAtPercentile(50),
                        w.toHandler.getValueAtPercentile(75), w.toHandler.getValueAtPercentile(90), w.toHandler.getTotalCount(),
                        w.ranToHandler.getValueAtPercentile(50), w.ranToHandler.getValueAtPercentile(90)));
            }
        });
        return lines;
    }

    /** Reads {@code perf script} output from stdin; the argument is the least share of hand-offs (%) a thread name needs to be reported. */
    public static void main(String[] args) throws IOException {
        HandOffTrace trace = new HandOffTrace();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            Event e = parse(line);
            if (e != null) {
                trace.accept(e);
            }
        }
        trace.report(args.length > 0 ? Double.parseDouble(args[0]) : 5).forEach(System.out::println);
    }
}
