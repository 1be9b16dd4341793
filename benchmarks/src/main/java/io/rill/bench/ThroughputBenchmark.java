package io.rill.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.lettuce.core.Consumer;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.CheckpointOptions;
import io.rill.CheckpointOptions.Fsync;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.testing.RedisServer;

/**
 * Consumes the same number of pre-loaded entries with a no-op handler, once per contender per round,
 * and prints msg/s for each with its ratio to the plain Lettuce loop. Contenders run one after the
 * other, alternating over rounds, against one Redis started for the run (or REDIS_URI).
 *
 * <p>Arguments: {@code --entries N} (default 1,000,000), {@code --rounds R} (default 3),
 * {@code --batch B} (COUNT, default 500), {@code --payload BYTES} (default 100).
 */
public final class ThroughputBenchmark {

    interface Contender {
        String name();

        /** Consumes every entry of the stream in the group; returns when all are acked. */
        void consume(String uri, String stream, String group, int entries, int batch) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int entries = intArg(args, "--entries", 1_000_000);
        int rounds = intArg(args, "--rounds", 3);
        int batch = intArg(args, "--batch", 500);
        int payload = intArg(args, "--payload", 100);
        List<Contender> contenders = List.of(new PlainLettuceLoop(), new RillConsumer(),
                new RillConsumer(Fsync.NEVER), new RillConsumer(Fsync.INTERVAL), new RillConsumer(Fsync.ALWAYS));

        try (RedisServer server = RedisServer.start()) {
            System.out.printf("Redis %s at %s; %,d entries of %d bytes, COUNT %d, %d rounds%n", server.version(),
                    server.uri(), entries, payload, batch, rounds);
            Map<String, List<Double>> rates = new java.util.LinkedHashMap<>();
            // warm-up: JIT for both contenders, not reported
            for (Contender c : contenders) {
                run(server.uri(), c, Math.min(entries, 200_000), batch, payload);
            }
            for (int r = 0; r < rounds; r++) {
                for (Contender c : contenders) {
                    double rate = run(server.uri(), c, entries, batch, payload);
                    rates.computeIfAbsent(c.name(), k -> new ArrayList<>()).add(rate);
                    System.out.printf(Locale.ROOT, "round %d  %-40s %,12.0f msg/s%n", r + 1, c.name(), rate);
                }
            }
            report(rates, contenders.get(0).name());
        }
    }

    private static double run(String uri, Contender contender, int entries, int batch, int payload) throws Exception {
        String stream = "bench:" + System.nanoTime();
        String group = "bench";
        preload(uri, stream, group, entries, payload);
        long start = System.nanoTime();
        contender.consume(uri, stream, group, entries, batch);
        long nanos = System.nanoTime() - start;
        try (RedisClient client = client(uri); StatefulRedisConnection<String, String> c = client.connect()) {
            long pending = c.sync().xpending(stream, group).getCount();
            if (pending != 0) {
                throw new IllegalStateException(contender.name() + " left " + pending + " entries pending");
            }
            c.sync().del(stream);
        }
        return entries / (nanos / 1e9);
    }

    private static void preload(String uri, String stream, String group, int entries, int payload) {
        try (RedisClient client = client(uri); StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().xgroupCreate(StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
            RedisAsyncCommands<String, String> async = c.async();
            char[] bytes = new char[payload];
            Arrays.fill(bytes, 'x');
            Map<String, String> body = Map.of("payload", new String(bytes));
            c.setAutoFlushCommands(false);
            List<RedisFuture<?>> futures = new ArrayList<>();
            for (int i = 0; i < entries; i++) {
                futures.add(async.xadd(stream, body));
                if (futures.size() == 10_000) {
                    c.flushCommands();
                    LettuceFutures.awaitAll(60, TimeUnit.SECONDS, futures.toArray(new RedisFuture[0]));
                    futures.clear();
                }
            }
            c.flushCommands();
            LettuceFutures.awaitAll(60, TimeUnit.SECONDS, futures.toArray(new RedisFuture[0]));
        }
    }

    static RedisClient client(String uri) {
        return RedisClient.create(uri);
    }

    private static void report(Map<String, List<Double>> rates, String anchor) {
        double anchorMedian = median(rates.get(anchor));
        System.out.println();
        System.out.println("| consumer | median msg/s | runs (msg/s) | × plain loop |");
        System.out.println("|---|---:|---|---:|");
        for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
            double m = median(e.getValue());
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %s | %.2f |%n", e.getKey(), m,
                    e.getValue().stream().map(v -> String.format(Locale.ROOT, "%,.0f", v)).toList(), m / anchorMedian);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1].replace("_", "").replace(",", ""));
            }
        }
        return fallback;
    }

    /** The anchor: XREADGROUP COUNT n, handle, one XACK for the batch, repeat. One connection, one thread. */
    static final class PlainLettuceLoop implements Contender {
        @Override
        public String name() {
            return "plain Lettuce loop (COUNT + 1 XACK/batch)";
        }

        @Override
        public void consume(String uri, String stream, String group, int entries, int batch) {
            try (RedisClient client = client(uri); StatefulRedisConnection<String, String> c = client.connect()) {
                RedisCommands<String, String> sync = c.sync();
                Consumer<String> consumer = Consumer.from(group, "plain");
                XReadArgs args = XReadArgs.Builder.count(batch).block(100);
                StreamOffset<String> offset = StreamOffset.lastConsumed(stream);
                long handled = 0;
                while (handled < entries) {
                    List<StreamMessage<String, String>> messages = sync.xreadgroup(consumer, args, offset);
                    if (messages.isEmpty()) {
                        continue;
                    }
                    String[] ids = new String[messages.size()];
                    for (int i = 0; i < ids.length; i++) {
                        StreamMessage<String, String> m = messages.get(i);
                        noop(m.getBody());
                        ids[i] = m.getId();
                    }
                    sync.xack(stream, group, ids);
                    handled += ids.length;
                }
            }
        }
    }

    /**
     * Rill with a no-op entry handler, COUNT = batch, default everything else; with a file checkpoint
     * journal (a fresh temp directory per run) when an fsync policy is given.
     */
    static final class RillConsumer implements Contender {
        private final Fsync fsync;

        RillConsumer() {
            this(null);
        }

        RillConsumer(Fsync fsync) {
            this.fsync = fsync;
        }

        @Override
        public String name() {
            return fsync == null ? "Rill (journal off, concurrency 1)"
                    : "Rill (journal fsync " + fsync.name().toLowerCase(Locale.ROOT) + ", concurrency 1)";
        }

        @Override
        public void consume(String uri, String stream, String group, int entries, int batch) throws Exception {
            Path journalDir = fsync == null ? null : Files.createTempDirectory("rill-bench-checkpoint");
            try {
                consume(uri, stream, group, entries, batch, fsync == null ? CheckpointOptions.OFF
                        : CheckpointOptions.builder().directory(journalDir).fsync(fsync).build());
            } finally {
                if (journalDir != null) {
                    try (var files = Files.walk(journalDir)) {
                        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
        }

        private void consume(String uri, String stream, String group, int entries, int batch,
                CheckpointOptions checkpoint) throws Exception {
            LongAdder handled = new LongAdder();
            try (RedisClient client = client(uri); Rill rill = Rill.create(client);
                    RedisClient probeClient = client(uri); StatefulRedisConnection<String, String> probe = probeClient.connect()) {
                Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group).consumer("rill")
                        .startPosition(StartPosition.EARLIEST).batchSize(batch).ackFlushSize(batch)
                        .checkpoint(checkpoint).build(), entry -> {
                            noop(entry.fields());
                            handled.increment();
                        });
                // done when every entry was handled and Redis holds no pending entry for the group
                while (handled.sum() < entries || probe.sync().xpending(stream, group).getCount() > 0) {
                    Thread.onSpinWait();
                    TimeUnit.MILLISECONDS.sleep(1);
                }
                sub.close(Duration.ofSeconds(10));
            }
        }
    }

    private static volatile Object sink;

    static void noop(Object o) {
        sink = o;
    }
}
