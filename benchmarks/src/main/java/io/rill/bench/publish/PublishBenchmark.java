package io.rill.bench.publish;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.rill.CheckpointOptions.Fsync;
import io.rill.OutboxOptions;
import io.rill.Output;
import io.rill.ProducerOptions;
import io.rill.bench.HarnessClient;
import io.rill.publish.Producer;
import io.rill.testing.RedisServer;

/**
 * Producer throughput: a plain pipelined XADD against the idempotent publish (one dedup script per entry)
 * and the idempotent publish through an outbox (journaled first, fsync {@code interval}), each with at most
 * {@code --window} publishes in flight, {@code --entries} entries of one 100-byte field, {@code --rounds}
 * rounds; prints the entries per second of each round and the median. Runs against REDIS_URI, else a Redis
 * it starts (Docker, else a local redis-server).
 *
 * <pre>
 * benchmarks/run publish --entries 200000 --rounds 3 --window 1000
 * </pre>
 */
public final class PublishBenchmark {

    private PublishBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("entries", "200000", "rounds", "3", "window", "1000"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int entries = Integer.parseInt(options.get("entries"));
        int rounds = Integer.parseInt(options.get("rounds"));
        int window = Integer.parseInt(options.get("window"));
        byte[] payload = new byte[100];
        Arrays.fill(payload, (byte) 'x');

        try (RedisServer server = RedisServer.start(); HarnessClient harness = new HarnessClient(server.uri())) {
            RedisClient client = harness.client();
            System.out.printf(Locale.ROOT, "Redis %s, %,d entries per round, %d rounds, window %d%n", server.version(),
                    entries, rounds, window);
            Map<String, List<Double>> rates = new LinkedHashMap<>();
            for (int round = 1; round <= rounds; round++) {
                rates.computeIfAbsent("plain XADD", k -> new ArrayList<>())
                        .add(plain(client, "bench:plain:" + round, entries, window, payload));
                try (Producer producer = Producer.create(client)) {
                    rates.computeIfAbsent("idempotent publish", k -> new ArrayList<>())
                            .add(idempotent(producer, "bench:idem:" + round, entries, window, payload));
                }
                Path directory = Files.createTempDirectory("bench-outbox");
                try (Producer producer = Producer.builder(client).options(ProducerOptions.builder()
                        .outbox(OutboxOptions.builder().directory(directory).fsync(Fsync.INTERVAL).build()).build())
                        .build()) {
                    rates.computeIfAbsent("idempotent publish, outbox (fsync interval)", k -> new ArrayList<>())
                            .add(idempotent(producer, "bench:outbox:" + round, entries, window, payload));
                } finally {
                    try (Stream<Path> files = Files.walk(directory)) {
                        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
            double plainMedian = median(rates.get("plain XADD"));
            System.out.println("| contender | median entries/s (rounds) | vs plain XADD |\n|---|---|---|");
            rates.forEach((name, list) -> System.out.printf(Locale.ROOT, "| %s | %,.0f (%s) | %.2f× |%n", name,
                    median(list), String.join(" / ", list.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r)).toList()),
                    median(list) / plainMedian));
        }
    }

    private static double plain(RedisClient client, String stream, int entries, int window, byte[] payload)
            throws InterruptedException {
        try (StatefulRedisConnection<String, byte[]> c = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
            RedisAsyncCommands<String, byte[]> async = c.async();
            Semaphore inFlight = new Semaphore(window);
            long start = System.nanoTime();
            for (int i = 0; i < entries; i++) {
                inFlight.acquire();
                async.xadd(stream, Map.of("payload", payload)).whenComplete((id, e) -> inFlight.release());
            }
            inFlight.acquire(window);
            return entries / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static double idempotent(Producer producer, String stream, int entries, int window, byte[] payload)
            throws InterruptedException {
        Semaphore inFlight = new Semaphore(window);
        long start = System.nanoTime();
        for (int i = 0; i < entries; i++) {
            inFlight.acquire();
            CompletableFuture<String> id = producer.publish("k" + i, Output.ofBytes(stream, Map.of("payload", payload)));
            id.whenComplete((v, e) -> inFlight.release());
        }
        inFlight.acquire(window);
        return entries / ((System.nanoTime() - start) / 1e9);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
