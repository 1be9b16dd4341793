package io.rill.bench.latency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.rill.bench.CostProbe;
import io.rill.bench.HarnessClient;
import io.rill.bench.Streams;
import io.rill.bench.contender.Contender;

/**
 * End-to-end latency, XADD to handler, in one JVM: a producer thread XADDs at a fixed rate to a
 * fresh stream while one contender consumes it. Each entry carries the {@code System.nanoTime()} at
 * which the schedule said it was due (not when it was actually sent), so a producer that falls behind
 * charges its delay to the entries instead of hiding it (coordinated omission). The handler records
 * {@code now - due} in an HdrHistogram. Entries due in the warm-up are not recorded.
 *
 * <p>A contender keeps up when it has handled every measured entry within {@code drainGrace} after the
 * producer stopped; otherwise it is reported as saturated, with the rate it did handle.
 */
public final class LatencyBenchmark {

    public record Settings(List<Integer> rates, Duration warmUp, Duration measure, Duration drainGrace, int payload) {
    }

    /**
     * One contender at one rate.
     *
     * @param produced     entries due in the measured window (all were sent)
     * @param handled      of those, how many the handler saw before the drain grace ended
     * @param handledRate  entries (of any age) the handler saw per second of the measured window
     * @param latency      XADD due time to handler, ns, of the handled measured entries
     * @param producerLag  how late the producer sent each measured entry against its schedule, ns
     * @param cost         reads, acks and CPU per entry during the measured window
     * @param diagnostics  what the contender reported of itself (with -Dbench.diagnostics=true)
     */
    public record Result(Contender contender, int rate, long produced, long handled, double handledRate,
            Histogram latency, Histogram producerLag, CostProbe.Cost cost, String diagnostics) {

        public boolean keptUp() {
            return handled == produced;
        }
    }

    private final String uri;
    private final Settings settings;
    private final List<Contender> contenders;

    public LatencyBenchmark(String uri, Settings settings, List<Contender> contenders) {
        this.uri = uri;
        this.settings = settings;
        this.contenders = contenders;
    }

    public List<Result> run() throws Exception {
        List<Result> results = new ArrayList<>();
        // the producer's client runs on threads of its own, named so the cost probe leaves them out
        HarnessClient harness = new HarnessClient(uri);
        RedisClient client = harness.client();
        try (StatefulRedisConnection<String, String> admin = client.connect();
                StatefulRedisConnection<String, String> producer = client.connect()) {
            CostProbe probe = new CostProbe(admin);
            // JIT: each contender once at the highest rate, not reported (matters when run without the throughput benchmark)
            int highest = settings.rates().stream().mapToInt(Integer::intValue).max().orElse(1000);
            for (Contender contender : contenders) {
                phase(admin, producer, probe, contender, highest, settings.warmUp(), Duration.ofSeconds(1));
            }
            for (int rate : settings.rates()) {
                for (Contender contender : contenders) {
                    System.gc(); // not in the middle of a phase
                    Result result = phase(admin, producer, probe, contender, rate, settings.warmUp(), settings.measure());
                    results.add(result);
                    print(result);
                }
            }
        } finally {
            harness.close();
        }
        return results;
    }

    @SuppressWarnings("try") // the consumption only has to be closed
    private Result phase(StatefulRedisConnection<String, String> admin, StatefulRedisConnection<String, String> producer,
            CostProbe probe, Contender contender, int rate, Duration warmUp, Duration measure) throws Exception {
        String stream = "bench:latency:" + rate + ":" + contender.name().replaceAll("[^A-Za-z]+", "-");
        String group = "lat"; // short: Rill's thread names carry it, and Linux keeps 15 characters of a name
        admin.sync().del(stream);
        Streams.createGroup(admin, stream, group, "$");
        Recorder latency = new Recorder(3);
        LongAdder handled = new LongAdder();
        LongAdder handledAll = new LongAdder(); // warm-up entries too: what the consumer managed per second
        AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE); // set before the first XADD
        Histogram lag;
        long measured;
        Window window;
        String diagnostics;
        try (Contender.Consumption consumption = contender.start(uri, stream, group, fields -> {
            long due = Long.parseLong(fields.get("t"));
            long now = System.nanoTime();
            handledAll.increment();
            if (due >= measureFrom.get()) {
                latency.recordValue(now - due);
                handled.increment();
            }
        })) {
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
            long from = start + warmUp.toNanos();
            long end = from + measure.toNanos();
            measureFrom.set(from);
            window = new Window(probe, handledAll, from, end);
            Thread probing = Thread.ofPlatform().name(CostProbe.HARNESS_THREAD_PREFIX + "probe").start(window);
            lag = new Histogram(3);
            measured = produce(producer, stream, rate, start, from, end, lag);
            probing.join();
            long drainDeadline = System.nanoTime() + settings.drainGrace().toNanos();
            while (handled.sum() < measured && System.nanoTime() < drainDeadline) {
                TimeUnit.MILLISECONDS.sleep(1);
            }
            diagnostics = consumption.diagnostics();
        }
        admin.sync().del(stream);
        if (window.failure != null) {
            throw new IllegalStateException("cost probe failed", window.failure);
        }
        long handledInWindow = window.handledAtEnd - window.handledAtStart;
        return new Result(contender, rate, measured, Math.min(handled.sum(), measured),
                handledInWindow / (measure.toNanos() / 1e9), latency.getIntervalHistogram(), lag,
                CostProbe.between(window.start, window.endReading, handledInWindow), diagnostics);
    }

    /** Reads the costs at the start and the end of the measured window, off the producer's thread. */
    private static final class Window implements Runnable {
        private final CostProbe probe;
        private final LongAdder handledAll;
        private final long from;
        private final long end;
        CostProbe.Reading start;
        CostProbe.Reading endReading;
        long handledAtStart;
        long handledAtEnd;
        volatile RuntimeException failure;

        Window(CostProbe probe, LongAdder handledAll, long from, long end) {
            this.probe = probe;
            this.handledAll = handledAll;
            this.from = from;
            this.end = end;
        }

        @Override
        public void run() {
            try {
                parkUntil(from);
                handledAtStart = handledAll.sum();
                start = probe.read();
                parkUntil(end);
                handledAtEnd = handledAll.sum();
                endReading = probe.read();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
    }

    /**
     * XADDs {@code rate} entries per second from {@code start} to {@code end}, each stamped with its due
     * time. Sleeps between due times and sends whatever is due on waking, so it never busy-spins a core
     * the consumer and Redis need.
     *
     * @return how many entries were due in the measured window
     */
    private long produce(StatefulRedisConnection<String, String> connection, String stream, int rate, long start,
            long measureFrom, long end, Histogram lag) throws Exception {
        RedisAsyncCommands<String, String> async = connection.async();
        String payload = Streams.payload(settings.payload());
        long measured = 0;
        RedisFuture<String> last = null;
        for (long i = 0;; i++) {
            long due = start + i * 1_000_000_000L / rate;
            if (due >= end) {
                break;
            }
            long now = parkUntil(due);
            last = async.xadd(stream, Map.of("t", Long.toString(due), "payload", payload));
            if (due >= measureFrom) {
                lag.recordValue(now - due);
                measured++;
            }
        }
        if (last != null) {
            last.get(30, TimeUnit.SECONDS); // every XADD before it is done too: one connection, in order
        }
        return measured;
    }

    private static long parkUntil(long deadline) {
        long now = System.nanoTime();
        while (now < deadline) {
            LockSupport.parkNanos(deadline - now);
            now = System.nanoTime();
        }
        return now;
    }

    private static void print(Result r) {
        Histogram h = r.latency();
        CostProbe.Cost c = r.cost();
        System.out.printf(Locale.ROOT, "latency %,7d/s  %-36s p50 %8.3f  p99 %8.3f  p999 %8.3f  max %8.3f ms"
                + "  handled %,d/%,d%s  lag p99 %.3f ms | per 1k entries: %.1f reads %.1f acks %.1f connections | µs/entry: redis %.1f"
                + " consumer %.1f jvm %.1f%n", r.rate(), r.contender().name(),
                ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)),
                ms(h.getMaxValue()), r.handled(), r.produced(), r.keptUp() ? "" : " SATURATED",
                ms(r.producerLag().getValueAtPercentile(99)), c.readsPerThousand(), c.acksPerThousand(), c.connectionsPerThousand(), c.redisMicros(),
                c.consumerMicros(), c.processMicros());
        if (Boolean.getBoolean(CostProbe.DIAGNOSTICS)) {
            c.threadMicros().forEach((group, micros) -> System.out.printf(Locale.ROOT, "    cpu %-40s %8.1f µs/entry%n", group, micros));
            c.threadSwitches().forEach((group, n) -> System.out.printf(Locale.ROOT, "    switches %-35s %8.2f /entry%n", group, n));
            if (!r.diagnostics().isEmpty()) {
                System.out.println("    " + r.diagnostics());
            }
        }
    }

    public static double ms(long nanos) {
        return nanos / 1e6;
    }
}
