package io.rill.bench.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.rill.DeadLetterOptions;
import io.rill.JanitorOptions;
import io.rill.PartitionedStream;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.testing.RedisCluster;
import io.rill.testing.RedisServer;

/**
 * {@code benchmarks/run cluster}: Rill's throughput over one local standalone Redis and over a local
 * Redis Cluster of 3 masters, with a stream of 1, 3 and 6 partitions, in one run on one machine. Each
 * setup drains a backlog of {@code --entries} entries with one subscription (one per hash slot over the
 * cluster) and reports entries/s and the Redis CPU spent per entry (INFO cpu of every node, user + sys,
 * before and after the drain), from which docs/benchmarks.md estimates what one master and N masters can
 * carry.
 *
 * <pre>
 * --entries N   entries per setup (300,000)
 * --batch N     batch-size of the subscription (500)
 * --payload B   bytes of each entry's payload field (100)
 * </pre>
 */
public final class ClusterThroughput {

    record Result(String setup, int partitions, int masters, long entries, double seconds, double redisCpuSeconds,
            double loadCpuSeconds) {
        double perSecond() {
            return entries / seconds;
        }

        double redisMicrosPerEntry() {
            return redisCpuSeconds * 1e6 / entries;
        }

        double xaddMicrosPerEntry() {
            return loadCpuSeconds * 1e6 / entries;
        }
    }

    private ClusterThroughput() {
    }

    public static void run(List<String> args) throws Exception {
        int entries = intArg(args, "--entries", 300_000);
        int batch = intArg(args, "--batch", 500);
        int payload = intArg(args, "--payload", 100);
        String body = "x".repeat(payload);
        List<Result> results = new ArrayList<>();
        try (RedisServer standalone = RedisServer.startLocal();
                RedisCluster cluster = RedisCluster.start(3, 0, Duration.ofSeconds(5))) {
            RedisClient client = RedisClient.create(standalone.uri());
            RedisClusterClient clusterClient = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create).toList());
            try (StatefulRedisConnection<String, String> loader = client.connect();
                    StatefulRedisClusterConnection<String, String> clusterLoader = clusterClient.connect()) {
                for (int partitions : new int[] {1, 3, 6}) {
                    PartitionedStream stream = PartitionedStream.of("bench-" + partitions, partitions);
                    double before = redisCpu(List.of(standalone));
                    load(stream, entries, body, loader.async()::xadd, loader::flushCommands, loader::setAutoFlushCommands);
                    double loadCpu = redisCpu(List.of(standalone)) - before;
                    results.add(drain("standalone", stream, entries, batch, List.of(standalone),
                            Rill.create(client), loadCpu));
                    before = redisCpu(cluster.nodes());
                    load(stream, entries, body, clusterLoader.async()::xadd, clusterLoader::flushCommands,
                            clusterLoader::setAutoFlushCommands);
                    loadCpu = redisCpu(cluster.nodes()) - before;
                    Set<RedisServer> masters = new HashSet<>();
                    stream.streams().forEach(p -> masters.add(cluster.masterFor(p)));
                    results.add(drain("cluster (" + masters.size() + " of 3 masters hold the partitions)", stream, entries,
                            batch, cluster.nodes(), Rill.create(clusterClient), loadCpu));
                    System.out.println(results.get(results.size() - 2));
                    System.out.println(results.getLast());
                }
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
        System.out.println();
        System.out.println("| setup | partitions | entries | consumed/s | Redis CPU µs/entry, consuming (XREADGROUP + XACK) "
                + "| Redis CPU µs/entry, adding (pipelined XADD) |");
        System.out.println("|---|---|---|---|---|---|");
        for (Result r : results) {
            System.out.printf("| %s | %d | %,d | %,.0f | %.2f | %.2f |%n", r.setup(), r.partitions(), r.entries(),
                    r.perSecond(), r.redisMicrosPerEntry(), r.xaddMicrosPerEntry());
        }
    }

    /** Adds the backlog, routed by key, pipelined in chunks. */
    private static void load(PartitionedStream stream, int entries, String body,
            BiXadd xadd, Runnable flush, java.util.function.Consumer<Boolean> autoFlush) throws Exception {
        autoFlush.accept(false);
        try {
            List<RedisFuture<String>> chunk = new ArrayList<>(1000);
            for (int i = 0; i < entries; i++) {
                chunk.add(xadd.apply(stream.streamFor("key-" + i), Map.of("key", "key-" + i, "payload", body)));
                if (chunk.size() == 1000 || i == entries - 1) {
                    flush.run();
                    for (RedisFuture<String> f : chunk) {
                        f.get(30, TimeUnit.SECONDS);
                    }
                    chunk.clear();
                }
            }
        } finally {
            autoFlush.accept(true);
        }
    }

    @FunctionalInterface
    interface BiXadd {
        RedisFuture<String> apply(String key, Map<String, String> body);
    }

    /** One subscription over every partition drains the backlog; Redis CPU measured over the drain alone. */
    private static Result drain(String setup, PartitionedStream stream, int entries, int batch, List<RedisServer> nodes,
            Rill rill, double loadCpu) throws InterruptedException {
        AtomicLong handled = new AtomicLong();
        double cpuBefore = redisCpu(nodes);
        long start = System.nanoTime();
        try (rill) {
            Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream.streams()).group("bench")
                    .consumer("c1").startPosition(StartPosition.EARLIEST).batchSize(batch).maxInFlight(batch * 4)
                    .deadLetter(DeadLetterOptions.builder().enabled(false).build())
                    .janitor(JanitorOptions.builder().enabled(false).build()).build(), entry -> handled.incrementAndGet());
            while (handled.get() < entries) {
                Thread.sleep(5);
            }
            sub.close();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpu = redisCpu(nodes) - cpuBefore;
        // the next setup starts on empty streams (no replicas here: every node is a master)
        for (RedisServer node : nodes) {
            RedisClient c = RedisClient.create(node.uri());
            try (StatefulRedisConnection<String, String> conn = c.connect()) {
                conn.sync().flushall();
            } finally {
                c.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
        return new Result(setup, stream.partitions(), nodes.size(), entries, seconds, cpu, loadCpu);
    }

    /** used_cpu_user + used_cpu_sys summed over the nodes, seconds. */
    private static double redisCpu(List<RedisServer> nodes) {
        double sum = 0;
        for (RedisServer node : nodes) {
            RedisClient c = RedisClient.create(node.uri());
            try (StatefulRedisConnection<String, String> conn = c.connect()) {
                String info = conn.sync().info("cpu");
                sum += field(info, "used_cpu_user") + field(info, "used_cpu_sys");
            } finally {
                c.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
        return sum;
    }

    private static double field(String info, String name) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }

    private static int intArg(List<String> args, String name, int fallback) {
        int i = args.indexOf(name);
        Function<String, Integer> parse = Integer::parseInt;
        return i >= 0 && i + 1 < args.size() ? parse.apply(args.get(i + 1).replace("_", "")) : fallback;
    }
}
