package io.rill.bench.latency;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.rill.bench.CostProbe;
import io.rill.bench.Streams;

/**
 * The latency producer in a JVM of its own (same classpath), so that its allocation, GC and threads
 * never share a heap or a scheduler queue with the contender it feeds.
 *
 * <p>One child serves a whole run, so it is as warm (JIT) in the last phase as the in-process producer
 * it replaces was. Protocol over the child's stdin and stdout, one line each: the child connects and
 * prints {@code ready <nanoTime>}; for each phase the parent sends {@code go <stream> <rate> <start>
 * <from> <end>} (System.nanoTime values); the child XADDs on schedule and prints {@code done <measured>
 * <lag histogram, base64> <late spells> <slow XADDs>} (see {@link TailCauses#encode}); it exits when its stdin ends.
 * The due times the child stamps are compared with the parent's System.nanoTime, which works
 * because on Linux both read CLOCK_MONOTONIC, a clock shared by every process of the machine; the
 * parent checks that on {@code ready} and refuses to run when the two clocks differ.
 */
public final class ProducerProcess implements AutoCloseable {

    private static final String READY = "ready ";
    private static final String DONE = "done ";
    private static final int MAX_OUTSTANDING = 100_000;
    /** XADDs a producer that is behind its schedule writes at most before it flushes them. */
    static final int MAX_UNFLUSHED = 64;

    private final Process process;
    private final PrintWriter toChild;
    private final BlockingQueue<String> fromChild = new LinkedBlockingQueue<>();
    private volatile long lastCpuNanos;

    private ProducerProcess(Process process) {
        this.process = process;
        this.toChild = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        Thread.ofPlatform().name(CostProbe.HARNESS_THREAD_PREFIX + "producer-out").daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith(READY) || line.startsWith(DONE)) {
                        fromChild.add(line);
                    } else {
                        System.out.println("producer: " + line);
                    }
                }
            } catch (IOException e) {
                // the child is gone; awaitLine reports it
            }
        });
    }

    /** Starts the child JVM and waits until it is connected to Redis. */
    public static ProducerProcess start(String uri, int payload) throws Exception {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> command = new ArrayList<>(List.of(java, "-Xms256m", "-Xmx1g", "-XX:+AlwaysPreTouch", "-XX:+UseTransparentHugePages",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), ProducerProcess.class.getName(),
                uri, Integer.toString(payload)));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        ProducerProcess producer = new ProducerProcess(process);
        try {
            String ready = producer.awaitLine(READY, Duration.ofSeconds(60));
            long childNow = Long.parseLong(ready.substring(READY.length()).strip());
            long skew = Math.abs(System.nanoTime() - childNow);
            if (skew > TimeUnit.SECONDS.toNanos(5)) {
                throw new IllegalStateException("the producer's System.nanoTime differs from the harness's by " + skew
                        + " ns: this OS does not share one monotonic clock between processes");
            }
            return producer;
        } catch (Exception e) {
            producer.close();
            throw e;
        }
    }

    /** Tells the child to produce to {@code stream} from {@code start} to {@code end}, measuring from {@code from}. */
    public void go(String stream, int rate, long start, long from, long end) {
        toChild.println("go " + stream + " " + rate + " " + start + " " + from + " " + end);
    }

    /**
     * What the child reports when its last XADD was answered; {@code late}: when it sent measured entries 1 ms or
     * more late; {@code slowXadds}: when their XADDs took 1 ms or more to be answered.
     */
    public record Produced(long measured, Histogram lag, List<TailCauses.Span> late, List<TailCauses.Span> slowXadds) {
    }

    public Produced awaitDone(Duration timeout) throws Exception {
        String done = awaitLine(DONE, timeout);
        String[] parts = done.split(" ");
        byte[] bytes = Base64.getDecoder().decode(parts[2]);
        Histogram lag = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0);
        return new Produced(Long.parseLong(parts[1]), lag, TailCauses.decode(parts[3]), TailCauses.decode(parts[4]));
    }

    /** CPU the child has used so far, ns (the last known figure once it has ended). */
    public long cpuNanos() {
        process.toHandle().info().totalCpuDuration().ifPresent(d -> lastCpuNanos = d.toNanos());
        return lastCpuNanos;
    }

    private String awaitLine(String prefix, Duration timeout) throws Exception {
        String line = fromChild.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null || !line.startsWith(prefix)) {
            throw new IllegalStateException("the producer process did not say '" + prefix.strip() + "' within " + timeout
                    + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")"));
        }
        return line;
    }

    /** False once the child has ended (it ran out of memory, say). */
    public boolean alive() {
        return process.isAlive();
    }

    /** Ends the child and waits until it is gone. */
    @Override
    public void close() {
        CostProbe.childEnded(cpuNanos()); // read while the child still waits for its next line
        toChild.close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The child: {@code uri payload}. */
    public static void main(String[] args) throws Exception {
        String uri = args[0];
        int payload = Integer.parseInt(args[1]);
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> connection = client.connect();
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            connection.sync().ping();
            System.out.println(READY + System.nanoTime());
            System.out.flush();
            for (String go = in.readLine(); go != null; go = in.readLine()) {
                String[] t = go.split(" ");
                Histogram lag = new Histogram(3);
                TailCauses.LateSpells late = new TailCauses.LateSpells();
                TailCauses.SlowXadds slow = new TailCauses.SlowXadds();
                long measured = produce(connection, t[1], Integer.parseInt(t[2]), payload, Long.parseLong(t[3]),
                        Long.parseLong(t[4]), Long.parseLong(t[5]), lag, late, slow);
                ByteBuffer buffer = ByteBuffer.allocate(lag.getNeededByteBufferCapacity());
                int length = lag.encodeIntoCompressedByteBuffer(buffer);
                byte[] bytes = new byte[length];
                buffer.flip();
                buffer.get(bytes);
                System.out.println(DONE + measured + " " + Base64.getEncoder().encodeToString(bytes) + " "
                        + TailCauses.encode(late.spells()) + " " + TailCauses.encode(slow.spans()));
                System.out.flush();
            }
        } finally {
            client.shutdown();
        }
    }

    /**
     * XADDs {@code rate} entries per second from {@code start} to {@code end}, each stamped with its due
     * time. Sleeps between due times and sends whatever is due on waking, so it never busy-spins a core
     * the consumer and Redis need. What is due on one waking goes out in one write, flushed before the
     * producer sleeps again (or every {@link #MAX_UNFLUSHED} XADDs when it is behind): a sleep ends
     * when the kernel's timer slack lets it, so at 50,000/s a waking finds a few entries due, and one
     * write per XADD made its wake-ups and writes more than half a core there. No entry waits for a later
     * one: the producer never sleeps with an XADD unwritten.
     *
     * @return how many entries were due in the measured window
     */
    static long produce(StatefulRedisConnection<String, String> connection, String stream, int rate, int payloadBytes,
            long start, long measureFrom, long end, Histogram lag, TailCauses.LateSpells late, TailCauses.SlowXadds slow)
            throws Exception {
        RedisAsyncCommands<String, String> async = connection.async();
        String payload = Streams.payload(payloadBytes);
        long measured = 0;
        RedisFuture<String> last = null;
        java.util.concurrent.CompletionStage<String> lastAnswered = null; // its answer's bookkeeping done too
        // XADDs not yet answered: past MAX_OUTSTANDING the producer waits (and is late, which the lag
        // histogram shows) instead of queueing without bound in its heap
        java.util.ArrayDeque<RedisFuture<String>> outstanding = new java.util.ArrayDeque<>();
        connection.setAutoFlushCommands(false);
        try {
            int unflushed = 0;
            for (long i = 0;; i++) {
                long due = start + i * 1_000_000_000L / rate;
                if (due >= end) {
                    break;
                }
                if (unflushed > 0 && (unflushed >= MAX_UNFLUSHED || System.nanoTime() < due)) {
                    connection.flushCommands(); // before sleeping: what was due so far goes out now
                    unflushed = 0;
                }
                long now = parkUntil(due);
                while (!outstanding.isEmpty() && (outstanding.peekFirst().isDone() || outstanding.size() >= MAX_OUTSTANDING)) {
                    if (unflushed > 0 && !outstanding.peekFirst().isDone()) {
                        connection.flushCommands(); // the XADD waited for may not be written yet
                        unflushed = 0;
                    }
                    outstanding.pollFirst().get(30, TimeUnit.SECONDS);
                }
                long written = System.nanoTime(); // written with the next flush, at most MAX_UNFLUSHED XADDs later
                last = async.xadd(stream, Map.of("t", Long.toString(due), "payload", payload));
                outstanding.addLast(last);
                unflushed++;
                if (due >= measureFrom) {
                    lastAnswered = last.whenComplete((id, failure) -> slow.answered(written, System.nanoTime()));
                    lag.recordValue(now - due);
                    late.sent(due, now - due);
                    measured++;
                }
            }
            connection.flushCommands();
        } finally {
            connection.setAutoFlushCommands(true);
        }
        if (last != null) {
            last.get(30, TimeUnit.SECONDS); // every XADD before it is done too: one connection, in order
        }
        if (lastAnswered != null) {
            lastAnswered.toCompletableFuture().get(30, TimeUnit.SECONDS); // and every answer's bookkeeping before it
        }
        return measured;
    }

    static long parkUntil(long deadline) {
        long now = System.nanoTime();
        while (now < deadline) {
            LockSupport.parkNanos(deadline - now);
            now = System.nanoTime();
        }
        return now;
    }
}
