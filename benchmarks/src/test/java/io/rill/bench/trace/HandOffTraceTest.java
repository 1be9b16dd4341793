package io.rill.bench.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

class HandOffTraceTest {

    private static final String IO = "lettuce-nioEven";

    private static String waking(String comm, int tid, int cpu, String time, String target, int targetTid) {
        return String.format("%16s %6d [%03d] %s:       sched:sched_waking: comm=%s pid=%d prio=120 target_cpu=%03d",
                comm, tid, cpu, time, target, targetTid, cpu);
    }

    private static String switching(String prev, int prevTid, String state, int cpu, String time, String next, int nextTid) {
        return String.format("%16s %6d [%03d] %s:       sched:sched_switch: prev_comm=%s prev_pid=%d prev_prio=120"
                + " prev_state=%s ==> next_comm=%s next_pid=%d next_prio=120", prev, prevTid, cpu, time, prev, prevTid, state, next,
                nextTid);
    }

    /** A handler's mark: its write of {@link HandlerMark#BYTES} bytes, as perf prints the system call. */
    private static String mark(String comm, int tid, int cpu, String time) {
        return String.format("%16s %6d [%03d] %s:       syscalls:sys_enter_write: fd: 0x00000005, buf: 0x7f0000001000,"
                + " count: 0x%08x", comm, tid, cpu, time, HandlerMark.BYTES);
    }

    @Test
    void theFirstMarkAfterAWakeThatARepliedReadLedToIsWhereTheHandlerStarted() {
        List<String> report = report(0,
                waking("redis-server", 30, 1, "100.000050", IO, 10), // the reply
                switching("swapper/0", 0, "R", 0, "100.000060", IO, 10),
                waking(IO, 10, 0, "100.000100", "rill-lat-rill-w", 20),
                switching(IO, 10, "S", 0, "100.000110", "rill-lat-rill-w", 20),
                mark("rill-lat-rill-w", 20, 0, "100.000125"), // its handler starts
                mark("rill-lat-rill-w", 20, 0, "100.000130"), // the next entry of the batch: not a start
                // woken again in the same run of the I/O thread, no reply of its own: starts nothing
                waking(IO, 10, 0, "100.000300", "rill-lat-rill-w", 20),
                switching(IO, 10, "S", 0, "100.000310", "rill-lat-rill-w", 20),
                mark("rill-lat-rill-w", 20, 0, "100.000320"),
                mark("redis-server", 30, 1, "100.000330")); // another process's write of the same size
        assertEquals(6, report.size(), report.toString());
        assertEquals("  Redis woke the I/O thread -> the handler started: p25 75 p50 75 p75 75 p90 75 µs (1 handler starts);"
                + " this thread ran -> the handler started: p50 15 p90 15 µs", report.get(5));
    }

    private static List<String> report(double minimumPercent, String... lines) {
        HandOffTrace trace = new HandOffTrace();
        for (String line : lines) {
            HandOffTrace.Event e = HandOffTrace.parse(line);
            if (e != null) {
                trace.accept(e);
            }
        }
        return trace.report(minimumPercent);
    }

    @Test
    void aWorkerQueuedBehindItsWakerWaitsForWhatTheWakerDoesNext() {
        List<String> report = report(0,
                waking("redis-server", 30, 1, "100.000050", IO, 10), // the reply
                switching("swapper/0", 0, "R", 0, "100.000060", IO, 10),
                waking(IO, 10, 0, "100.000100", "rill-lat-rill-w", 20),
                waking(IO, 10, 0, "100.000105", "redis-server", 30), // the next read's write
                switching(IO, 10, "S", 0, "100.000140", "rill-lat-rill-w", 20));
        assertEquals(List.of(
                "rill-lat-rill-w: 1 hand-offs from a Lettuce I/O thread",
                "  Redis woke the I/O thread -> this thread ran: p25 90 p50 90 p75 90 p90 90 µs (1 hand-offs)",
                "    of which Redis woke the I/O thread -> it ran: p50 10 µs; it ran -> woke this thread: p50 40 µs",
                "  woken -> ran: p50 40 p90 40 p99 40 µs; on the waker's CPU right after it 100%, elsewhere p50 0 µs",
                "  the I/O thread after the wake: ran on p50 40 p75 40 p90 40 µs, woke Redis in 100%"), report);
    }

    @Test
    void aWorkerWokenOnTheOtherCpuDoesNotCountAsQueuedBehindItsWaker() {
        List<String> report = report(0,
                waking(IO, 10, 0, "100.000100", "plain-loop", 21),
                switching(IO, 10, "S", 0, "100.000103", "swapper/0", 0),
                switching("swapper/1", 0, "R", 1, "100.000170", "plain-loop", 21));
        assertEquals("  woken -> ran: p50 70 p90 70 p99 70 µs; on the waker's CPU right after it 0%, elsewhere p50 70 µs",
                report.get(3));
        assertEquals("  the I/O thread after the wake: ran on p50 3 p75 3 p90 3 µs, woke Redis in 0%", report.get(4));
    }

    @Test
    void onlyTheFirstHandOffAfterRedisWokeTheIoThreadCountsFromTheReply() {
        List<String> report = report(0,
                waking("redis-server", 30, 1, "100.000050", IO, 10),
                switching("swapper/0", 0, "R", 0, "100.000060", IO, 10),
                waking(IO, 10, 0, "100.000100", "rill-lat-rill-w", 20),
                waking(IO, 10, 0, "100.000101", "rill-lat-rill-w", 22), // a second worker, same run of the I/O thread
                switching(IO, 10, "S", 0, "100.000110", "rill-lat-rill-w", 20),
                switching("swapper/1", 0, "R", 1, "100.000180", "rill-lat-rill-w", 22),
                // woken by a worker (its XACK going out), not by a reply
                waking("rill-lat-rill-w", 20, 0, "100.000200", IO, 10),
                switching("rill-lat-rill-w", 20, "S", 0, "100.000205", IO, 10),
                waking(IO, 10, 0, "100.000300", "rill-lat-rill-w", 20),
                switching(IO, 10, "S", 0, "100.000310", "rill-lat-rill-w", 20));
        assertEquals("rill-lat-rill-w: 3 hand-offs from a Lettuce I/O thread", report.get(0));
        assertEquals("  Redis woke the I/O thread -> this thread ran: p25 60 p50 60 p75 60 p90 60 µs (1 hand-offs)",
                report.get(1));
    }

    @Test
    void wakesByOtherThreadsAndOfLettucesOwnThreadsAreNotHandOffs() {
        assertEquals(List.of(), report(0,
                waking("java", 11, 0, "100.000100", "rill-lat-rill-w", 20),
                switching("java", 11, "S", 0, "100.000110", "rill-lat-rill-w", 20),
                waking(IO, 10, 0, "100.000200", "lettuce-timer-3", 22),
                switching(IO, 10, "S", 0, "100.000210", "lettuce-timer-3", 22)));
    }

    @Test
    void aThreadWithFewOfTheHandOffsIsLeftOut() {
        List<String> report = report(40,
                waking(IO, 10, 0, "100.000100", "plain-loop", 21),
                switching(IO, 10, "S", 0, "100.000103", "plain-loop", 21),
                waking(IO, 10, 0, "100.000200", "plain-loop", 21),
                switching(IO, 10, "S", 0, "100.000203", "plain-loop", 21),
                waking(IO, 10, 0, "100.000300", "C1", 23),
                switching(IO, 10, "S", 0, "100.000303", "C1", 23));
        assertEquals(5, report.size(), report.toString());
        assertEquals("plain-loop: 2 hand-offs from a Lettuce I/O thread", report.get(0));
    }

    @Test
    void aThreadNameWithSpacesParsesAndOtherLinesAreSkipped() {
        HandOffTrace.Event e = HandOffTrace.parse(
                " C2 CompilerThre  8362 [000]  3449.940341:       sched:sched_waking: comm=lettuce-nioEven pid=8368 prio=120 target_cpu=001");
        assertEquals("C2 CompilerThre", e.comm());
        assertEquals(8362, e.tid());
        assertEquals(3449_940_341L, e.micros());
        assertEquals("8368", e.fields().get("pid"));
        assertNull(HandOffTrace.parse("# ========"));
    }

    @Test
    void percentilesAreNearestRank() {
        List<String> report = report(0,
                waking(IO, 10, 0, "100.000100", "plain-loop", 21),
                switching(IO, 10, "S", 0, "100.000104", "plain-loop", 21),
                waking(IO, 10, 0, "100.000200", "plain-loop", 21),
                switching(IO, 10, "S", 0, "100.000201", "plain-loop", 21),
                waking(IO, 10, 0, "100.000300", "plain-loop", 21),
                switching(IO, 10, "S", 0, "100.000303", "plain-loop", 21),
                waking(IO, 10, 0, "100.000400", "plain-loop", 21),
                switching(IO, 10, "S", 0, "100.000402", "plain-loop", 21));
        assertEquals("  woken -> ran: p50 2 p90 4 p99 4 µs; on the waker's CPU right after it 100%, elsewhere p50 0 µs",
                report.get(3), "waits of 4, 1, 3 and 2 µs");
        assertEquals("  Redis woke the I/O thread -> this thread ran: p25 0 p50 0 p75 0 p90 0 µs (0 hand-offs)", report.get(1),
                "none counted from a reply: 0");
    }
}
