package io.rill.bench.memory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.rill.bench.CostProbe;
import io.rill.bench.HarnessClient;
import io.rill.bench.Streams;
import io.rill.bench.contender.Contender;
import io.rill.bench.contender.Contenders;

/**
 * A backlog drained under a small heap: the harness loads {@code entries} entries once, then each
 * contender drains them, in a group of its own created at 0, in a child JVM started with
 * {@code -Xmx<heap>} (same classpath). The child reports the drain's rate, the bytes its threads
 * allocated per entry ({@code com.sun.management.ThreadMXBean.getTotalThreadAllocatedBytes}, all threads,
 * ended ones included), the GCs it ran and the heap in use after its last collection. A child that runs
 * out of memory or does not finish is reported as failed.
 */
public final class MemoryBenchmark {

    public record Settings(int entries, String heap, int payload, int batch) {
    }

    /**
     * One contender's drain.
     *
     * @param ok                whether the child drained everything and exited cleanly
     * @param failure           why not, "" when ok
     * @param rate              entries per second of the drain (a cold JVM: JIT included)
     * @param bytesPerEntry     bytes allocated on the heap per entry, all threads of the child
     * @param gcCount           collections during the drain
     * @param gcMillis          time the collectors reported during the drain
     * @param heapAfterGcBytes  the heap in use right after the last collection (the live set then, roughly)
     */
    public record Result(String contender, boolean ok, String failure, double rate, double bytesPerEntry, long gcCount,
            long gcMillis, long heapAfterGcBytes) {
    }

    static final String RESULT = "memory-result ";

    private final String uri;
    private final Settings settings;
    private final List<Contender> contenders;

    public MemoryBenchmark(String uri, Settings settings, List<Contender> contenders) {
        this.uri = uri;
        this.settings = settings;
        this.contenders = contenders;
    }

    public List<Result> run() throws Exception {
        String stream = "bench:memory";
        List<Result> results = new ArrayList<>();
        HarnessClient harness = new HarnessClient(uri);
        try (StatefulRedisConnection<String, String> admin = harness.client().connect()) {
            admin.sync().del(stream);
            System.out.printf(Locale.ROOT, "memory: loading %,d entries of %d bytes%n", settings.entries(), settings.payload());
            Streams.fill(admin, stream, settings.entries(), settings.payload());
            for (Contender contender : contenders) {
                String group = "mem-" + Streams.keyPart(contender.name());
                Streams.createGroup(admin, stream, group, "0");
                Result result = child(contender, stream, group);
                results.add(result);
                System.out.println(line(result, settings.heap()));
                admin.sync().xgroupDestroy(stream, group);
            }
            admin.sync().del(stream);
        } finally {
            harness.close();
        }
        return results;
    }

    /** One line for the console and the docs. */
    public static String line(Result r, String heap) {
        if (!r.ok()) {
            return String.format(Locale.ROOT, "memory -Xmx%s  %-40s FAILED: %s", heap, r.contender(), r.failure());
        }
        return String.format(Locale.ROOT, "memory -Xmx%s  %-40s %,10.0f msg/s  %,7.0f bytes allocated/entry  %d GCs (%d ms)  "
                + "heap after the last GC %.1f MiB", heap, r.contender(), r.rate(), r.bytesPerEntry(), r.gcCount(), r.gcMillis(),
                r.heapAfterGcBytes() / 1024.0 / 1024.0);
    }

    private Result child(Contender contender, String stream, String group) throws Exception {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> command = List.of(java, "-Xms" + settings.heap(), "-Xmx" + settings.heap(),
                "-XX:+ExitOnOutOfMemoryError", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), MemoryBenchmark.class.getName(),
                uri, stream, group, contender.name(), Integer.toString(settings.batch()), Integer.toString(settings.entries()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String result = null;
        List<String> tail = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith(RESULT)) {
                    result = line;
                } else {
                    tail.add(line);
                    if (tail.size() > 5) {
                        tail.remove(0);
                    }
                }
            }
        }
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
        }
        int exit = process.exitValue();
        if (result == null || exit != 0) {
            return new Result(contender.name(), false, "exit " + exit + (tail.isEmpty() ? "" : ": " + String.join(" | ", tail)),
                    0, 0, 0, 0, 0);
        }
        // the child's CPU is this run's own work, not another process's load on the machine
        String cpu = result.substring(result.indexOf(" cpu=") + " cpu=".length()).split(" ")[0];
        CostProbe.childEnded(Long.parseLong(cpu));
        return parse(contender.name(), result);
    }

    /** Reads the child's result line: {@code memory-result key=value ...}. */
    static Result parse(String contender, String line) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : line.substring(RESULT.length()).strip().split(" ")) {
            String[] kv = pair.split("=", 2);
            values.put(kv[0], kv[1]);
        }
        long entries = Long.parseLong(values.get("entries"));
        long nanos = Long.parseLong(values.get("nanos"));
        long allocated = Long.parseLong(values.get("allocated"));
        return new Result(contender, true, "", entries / (nanos / 1e9), (double) allocated / entries,
                Long.parseLong(values.get("gcs")), Long.parseLong(values.get("gcMillis")), Long.parseLong(values.get("heapAfterGc")));
    }

    /** The result line the child prints. */
    static String format(long entries, long nanos, long allocated, long gcs, long gcMillis, long heapAfterGc, long cpu) {
        return RESULT + "entries=" + entries + " nanos=" + nanos + " allocated=" + allocated + " gcs=" + gcs + " gcMillis="
                + gcMillis + " heapAfterGc=" + heapAfterGc + " cpu=" + cpu;
    }

    /** The child: {@code uri stream group contender-name batch entries}. */
    @SuppressWarnings("try") // the consumption only has to be closed
    public static void main(String[] args) throws Exception {
        String uri = args[0];
        String stream = args[1];
        String group = args[2];
        String name = args[3];
        int batch = Integer.parseInt(args[4]);
        long entries = Long.parseLong(args[5]);
        Contender contender = Contenders.all(batch).stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no contender named " + name));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        LongAdder handled = new LongAdder();
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> admin = client.connect()) {
            long allocatedBefore = threads.getTotalThreadAllocatedBytes();
            long[] gcBefore = gcs();
            resetPeaks();
            long start = System.nanoTime();
            long nanos;
            try (Contender.Consumption ignored = contender.start(uri, stream, group, fields -> {
                if (fields.get("payload") == null) {
                    throw new IllegalStateException("an entry without its payload");
                }
                handled.increment();
            })) {
                long lastProgress = System.nanoTime();
                long last = -1;
                while (handled.sum() < entries || Streams.pending(admin, stream, group) > 0) {
                    TimeUnit.MILLISECONDS.sleep(5);
                    if (handled.sum() != last) {
                        last = handled.sum();
                        lastProgress = System.nanoTime();
                    } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(60)) {
                        throw new IllegalStateException(name + " made no progress for 60 s at " + last + " of " + entries);
                    }
                }
                nanos = System.nanoTime() - start;
            }
            long allocated = threads.getTotalThreadAllocatedBytes() - allocatedBefore;
            long[] gcAfter = gcs();
            long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            System.out.println(format(handled.sum(), nanos, allocated, gcAfter[0] - gcBefore[0], gcAfter[1] - gcBefore[1],
                    heapAfterGc(), cpu));
        } finally {
            client.shutdown();
        }
        System.exit(0); // a contender's leftover non-daemon threads must not keep the child alive
    }

    private static long[] gcs() {
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, millis};
    }

    private static void resetPeaks() {
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /** The heap in use after the last collection of each pool, summed: the live set the collector found. */
    private static long heapAfterGc() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                sum += pool.getCollectionUsage().getUsed();
            }
        }
        return sum;
    }
}
