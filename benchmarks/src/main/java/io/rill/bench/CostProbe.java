package io.rill.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

import io.lettuce.core.api.StatefulRedisConnection;

/**
 * What a run or phase cost, read at its start and its end: Redis's command counts and
 * CPU time (INFO commandstats, INFO cpu), and the CPU time of the consumer's threads in this JVM
 * (everything but the producer's and the harness's). Tells where the time goes without touching the
 * code under test.
 */
public final class CostProbe {

    /** The system property ({@code -Dbench.diagnostics=true}) that prints CPU and hand-offs per thread group. */
    public static final String DIAGNOSTICS = "bench.diagnostics";

    /** Threads that belong to the harness, not to the contender: the producer and its Lettuce client. */
    public static final String HARNESS_THREAD_PREFIX = "harness-";

    private final StatefulRedisConnection<String, String> admin;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private volatile LongSupplier helperCpuNanos = () -> 0;
    /** CPU of the harness's child processes that have ended (latency producers), ns. */
    private static final java.util.concurrent.atomic.AtomicLong ENDED_CHILDREN_CPU = new java.util.concurrent.atomic.AtomicLong();

    /** Adds the CPU of a child process the harness started and that is about to end. */
    public static void childEnded(long cpuNanos) {
        ENDED_CHILDREN_CPU.addAndGet(cpuNanos);
    }

    public CostProbe(StatefulRedisConnection<String, String> admin) {
        this.admin = admin;
    }

    /** One reading. */
    public record Reading(long nanoTime, Map<String, Long> calls, long connections, double redisCpuSeconds,
            long consumerCpuNanos, long processCpuNanos, double machineBusySeconds, double machineStolenSeconds,
            Map<String, Long> cpuByThreadGroup, Map<String, Long> switchesByThreadGroup,
            Map<String, Long> runQueueNanosByThreadGroup, long helperCpuNanos) {
    }

    /**
     * Counts the CPU of a process the harness started (the latency producer's JVM) as the harness's,
     * not as other processes' load; {@code null} to stop.
     */
    public void countAsHarness(LongSupplier cpuNanos) {
        this.helperCpuNanos = cpuNanos == null ? () -> 0 : cpuNanos;
    }

    /**
     * The difference between two readings, per entry handled in between.
     *
     * @param readsPerThousand  XREADGROUP calls per 1,000 entries
     * @param acksPerThousand   XACK calls per 1,000 entries
     * @param connectionsPerThousand connections Redis accepted per 1,000 entries
     * @param redisMicros       Redis CPU per entry (all commands: the producer's XADD too)
     * @param consumerMicros    CPU of the consumer's threads in this JVM per entry
     * @param processMicros     CPU of the whole harness JVM per entry (GC and JIT included; the latency
     *                          producer runs in a JVM of its own and is not in it)
     * @param threadMicros      CPU per entry of each group of threads (names without their numbers)
     * @param othersShare       the share of the machine's CPU (all cores) that processes other than this
     *                          JVM, the producer's JVM and Redis used meanwhile, 0 to 1; -1 when unknown (not Linux)
     * @param threadSwitches    voluntary context switches (the thread blocked) per entry of each group
     *                          of native threads, by the first 15 characters of their names
     * @param threadRunQueueMicros time per entry the threads of each group spent runnable but waiting for a
     *                          core (Linux schedstat): what a busy machine adds to a hand-off
     * @param producerMicros    CPU per entry of the processes counted as the harness's ({@link #countAsHarness}:
     *                          the latency producer's JVM); 0 when there are none
     * @param stolenShare       the share of the machine's CPU time (all cores) that the hypervisor gave to another
     *                          guest while this one wanted to run (steal: busy time in /proc/stat, so part of what
     *                          {@code othersShare} starts from, though the kernel may count some of it in the
     *                          processes' own CPU time too), 0 to 1; -1 when unknown
     */
    public record Cost(double readsPerThousand, double acksPerThousand, double connectionsPerThousand, double redisMicros,
            double consumerMicros, double processMicros, Map<String, Double> threadMicros, Map<String, Double> threadSwitches,
            Map<String, Double> threadRunQueueMicros, double othersShare, double producerMicros, double stolenShare) {
    }

    public Reading read() {
        Map<String, Long> calls = new HashMap<>();
        for (String line : admin.sync().info("commandstats").split("\r?\n")) {
            // cmdstat_xreadgroup:calls=123,usec=...
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                String rest = line.substring(line.indexOf("calls=") + "calls=".length());
                calls.put(name, Long.parseLong(rest.substring(0, rest.indexOf(','))));
            }
        }
        long connections = 0;
        for (String line : admin.sync().info("stats").split("\r?\n")) {
            if (line.startsWith("total_connections_received:")) {
                connections = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        double cpu = 0;
        for (String line : admin.sync().info("cpu").split("\r?\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                cpu += Double.parseDouble(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        long consumer = 0;
        Map<String, Long> byGroup = new TreeMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long t = threads.getThreadCpuTime(info.getThreadId());
            if (t <= 0) {
                continue;
            }
            String name = info.getThreadName();
            byGroup.merge(name.replaceAll("[-#]?\\d+", ""), t, Long::sum);
            if (!name.startsWith(HARNESS_THREAD_PREFIX) && !name.equals("main")) {
                consumer += t;
            }
        }
        long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        Map<String, Long> switches = new TreeMap<>();
        Map<String, Long> runQueue = new TreeMap<>();
        taskStats(switches, runQueue);
        return new Reading(System.nanoTime(), calls, connections, cpu, consumer, process, machineSeconds(BUSY),
                machineSeconds(STOLEN), byGroup, switches, runQueue, helperCpuNanos.getAsLong() + ENDED_CHILDREN_CPU.get());
    }

    public static Cost between(Reading start, Reading end, long entries) {
        double n = Math.max(entries, 1);
        Map<String, Double> threadSwitches = new TreeMap<>();
        end.switchesByThreadGroup().forEach((group, count) -> {
            double perEntry = (count - start.switchesByThreadGroup().getOrDefault(group, 0L)) / n;
            if (perEntry >= 0.01) {
                threadSwitches.put(group, perEntry);
            }
        });
        Map<String, Double> threadRunQueue = new TreeMap<>();
        end.runQueueNanosByThreadGroup().forEach((group, nanos) -> {
            double micros = (nanos - start.runQueueNanosByThreadGroup().getOrDefault(group, 0L)) / 1e3 / n;
            if (micros >= 0.05) {
                threadRunQueue.put(group, micros);
            }
        });
        Map<String, Double> threadMicros = new TreeMap<>();
        end.cpuByThreadGroup().forEach((group, nanos) -> {
            double micros = (nanos - start.cpuByThreadGroup().getOrDefault(group, 0L)) / 1e3 / n;
            if (micros >= 0.05) {
                threadMicros.put(group, micros);
            }
        });
        return new Cost(1000 * delta(start, end, "xreadgroup") / n, 1000 * delta(start, end, "xack") / n,
                1000 * (end.connections() - start.connections()) / n,
                (end.redisCpuSeconds() - start.redisCpuSeconds()) * 1e6 / n,
                (end.consumerCpuNanos() - start.consumerCpuNanos()) / 1e3 / n,
                (end.processCpuNanos() - start.processCpuNanos()) / 1e3 / n, threadMicros, threadSwitches, threadRunQueue,
                othersShare(start, end), Math.max(0, end.helperCpuNanos() - start.helperCpuNanos()) / 1e3 / n,
                stolenShare(start, end));
    }

    /** What the hypervisor took between two readings, as a share of all the machine's cores. */
    static double stolenShare(Reading start, Reading end) {
        if (start.machineStolenSeconds() < 0 || end.machineStolenSeconds() < 0) {
            return -1;
        }
        return (end.machineStolenSeconds() - start.machineStolenSeconds()) / coreSeconds(start, end);
    }

    /** The CPU time all the machine's cores had between two readings, s. */
    private static double coreSeconds(Reading start, Reading end) {
        return (end.nanoTime() - start.nanoTime()) / 1e9 * Runtime.getRuntime().availableProcessors();
    }

    /** What the rest of the machine used between two readings, as a share of all its cores. */
    public static double othersShare(Reading start, Reading end) {
        if (start.machineBusySeconds() < 0 || end.machineBusySeconds() < 0) {
            return -1;
        }
        double ours = (end.processCpuNanos() - start.processCpuNanos()) / 1e9 + end.redisCpuSeconds() - start.redisCpuSeconds()
                + Math.max(0, end.helperCpuNanos() - start.helperCpuNanos()) / 1e9;
        double others = end.machineBusySeconds() - start.machineBusySeconds() - ours;
        return Math.max(0, others / coreSeconds(start, end));
    }

    /** The fields of /proc/stat's cpu line (user nice system idle iowait irq softirq steal) that count as busy: all but idle and iowait. */
    private static final int[] BUSY = {1, 2, 3, 6, 7, 8};
    /** The steal field: time a vCPU wanted to run and the hypervisor ran another guest. */
    private static final int[] STOLEN = {8};

    /** CPU time of the machine in the given fields of /proc/stat's cpu line so far, s; -1 when unknown. */
    private static double machineSeconds(int[] fields) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith("cpu ")) {
                    String[] f = line.strip().split("\\s+");
                    long ticks = 0;
                    for (int i : fields) {
                        ticks += Long.parseLong(f[i]);
                    }
                    return ticks / 100.0; // USER_HZ, 100 on Linux
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    /**
     * Voluntary context switches of this process's threads, and the time they waited runnable for a core
     * (the second field of schedstat, ns), by native name (Linux only).
     */
    private static void taskStats(Map<String, Long> switchesByGroup, Map<String, Long> runQueueByGroup) {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip().replaceAll("[-#]?\\d+", "");
                    long switches = 0;
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        // voluntary only: the thread blocked (a hand-off); preemption depends on the machine's load
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            switches += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                        }
                    }
                    long waited = Long.parseLong(Files.readString(task.resolve("schedstat")).strip().split("\\s+")[1]);
                    switchesByGroup.merge(name, switches, Long::sum);
                    runQueueByGroup.merge(name, waited, Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we read it, or the kernel keeps no schedstat
                }
            }
        } catch (IOException e) {
            // not Linux
        }
    }

    private static double delta(Reading start, Reading end, String command) {
        return end.calls().getOrDefault(command, 0L) - start.calls().getOrDefault(command, 0L);
    }
}
