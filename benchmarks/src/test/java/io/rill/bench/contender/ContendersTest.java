package io.rill.bench.contender;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.rill.bench.Streams;
import io.rill.testing.RedisServer;

/**
 * Every contender of the benchmarks, on the classpath the benchmarks run with (Spring Data Redis 4.1
 * on the BOM's Lettuce), consumes a small stream completely: each entry reaches the handler exactly
 * once and nothing is left pending. A contender that loses, repeats or leaves entries would make its
 * figures meaningless. No timing is asserted here.
 */
class ContendersTest {

    private static final int ENTRIES = 1_000; // ten reads of COUNT 100

    private static RedisServer server;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> admin;

    @BeforeAll
    static void start() {
        server = RedisServer.start();
        client = RedisClient.create(server.uri());
        admin = client.connect();
    }

    @AfterAll
    static void stop() {
        admin.close();
        client.shutdown();
        server.close();
    }

    static List<Contender> contenders() {
        // the controls that --control adds too: a loop's copy, and one that reads again before its XACK is answered
        return Stream.concat(Contenders.all(100).stream(), Stream.of(Contenders.secondLoop(100), Contenders.earlyReadLoop(100)))
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contenders")
    @SuppressWarnings("try") // the consumption only has to be closed
    void consumesEveryEntryOnceAndLeavesNothingPending(Contender contender) throws Exception {
        String stream = "test:" + contender.name().replaceAll("[^A-Za-z]+", "-");
        String group = "g";
        Streams.createGroup(admin, stream, group, "0");
        for (int i = 0; i < ENTRIES; i++) {
            admin.sync().xadd(stream, Map.of("i", Integer.toString(i), "payload", "x"));
        }
        AtomicIntegerArray seen = new AtomicIntegerArray(ENTRIES);
        LongAdder handled = new LongAdder();
        try (Contender.Consumption ignored = contender.start(server.uri(), stream, group, fields -> {
            seen.incrementAndGet(Integer.parseInt(fields.get("i")));
            handled.increment();
        })) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> handled.sum() >= ENTRIES && Streams.pending(admin, stream, group) == 0);
        }
        assertEquals(ENTRIES, handled.sum(), contender.name() + " handled");
        for (int i = 0; i < ENTRIES; i++) {
            assertEquals(1, seen.get(i), contender.name() + " handled entry " + i);
        }
        assertEquals(0, Streams.pending(admin, stream, group), contender.name() + " left entries pending");
    }
}
