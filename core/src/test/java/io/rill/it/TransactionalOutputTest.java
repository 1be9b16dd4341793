package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.rill.Backoff;
import io.rill.CheckpointOptions;
import io.rill.DeadLetterOptions;
import io.rill.JanitorOptions;
import io.rill.Output;
import io.rill.ReclaimOptions;
import io.rill.RetryOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.StreamEntry;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.deadletter.DeadLetter;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.RedisServerOptions;
import io.rill.testing.TcpProxy;
import io.rill.testing.WithRedis;

/**
 * Exactly-once output (semantics 12) against a real Redis: a handler's outputs and its input's ack commit
 * together, once, whatever the failures, lost answers, reclaims and restarts in between.
 */
@WithRedis
class TransactionalOutputTest {

    private static final Duration LONG = Duration.ofSeconds(60);

    private final RedisServer server;

    TransactionalOutputTest(RedisServer server) {
        this.server = server;
    }

    private static SubscriptionOptions.Builder options(String stream, String group, String consumer) {
        return SubscriptionOptions.builder().streams(stream).group(group).consumer(consumer)
                .startPosition(StartPosition.EARLIEST)
                .blockTimeout(Duration.ofMillis(200))
                .backoff(Backoff.of(Duration.ofMillis(20), Duration.ofMillis(100)))
                .reclaim(ReclaimOptions.builder().interval(Duration.ofMillis(100)).minIdle(Duration.ofSeconds(2)).build())
                .janitor(JanitorOptions.builder().enabled(false).build());
    }

    private static Output invoice(StreamEntry entry) {
        return Output.to(entry.stream() + ":out").field("in", entry.id()).field("n", entry.field("n") == null ? "-" : entry.field("n"))
                .build();
    }

    /** The number of outputs per input ID found in the output stream. */
    private static Map<String, Integer> outputsPerInput(RedisFixture redis, String out) {
        Map<String, Integer> counts = new HashMap<>();
        for (StreamMessage<String, String> m : redis.entries(out)) {
            counts.merge(m.getBody().get("in"), 1, Integer::sum);
        }
        return counts;
    }

    private static void assertExactlyOnce(RedisFixture redis, String stream, String group, List<String> inputs) {
        Map<String, Integer> counts = outputsPerInput(redis, stream + ":out");
        List<String> wrong = new ArrayList<>();
        for (String id : inputs) {
            if (counts.getOrDefault(id, 0) != 1) {
                wrong.add(id + "=" + counts.getOrDefault(id, 0));
            }
        }
        assertEquals(List.of(), wrong, "inputs without exactly one output");
        assertEquals(inputs.size(), redis.entries(stream + ":out").size(), "no output of an unknown input");
        assertEquals(0, redis.pending(stream, group), "no input pending");
    }

    @Test
    void everyInputGetsItsOutputOnceAndIsAcked() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            List<String> ids = redis.add(stream, 2000);
            rill.subscribeWithOutputs(options(stream, group, "c1").concurrency(4).build(), Set.of(stream + ":out"),
                    entry -> List.of(invoice(entry)));
            await().atMost(LONG).until(() -> redis.entries(stream + ":out").size() >= ids.size() && redis.pending(stream, group) == 0);
            assertExactlyOnce(redis, stream, group, ids);
        }
    }

    @Test
    void concurrencyOneWritesOutputsInInputOrderAndBatchesCommits() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            List<String> ids = redis.add(stream, 1000);
            long before = redis.calls("evalsha") + redis.calls("eval");
            rill.subscribeWithOutputs(options(stream, group, "c1").build(), Set.of(stream + ":out"), entry -> List.of(invoice(entry)));
            await().atMost(LONG).until(() -> redis.entries(stream + ":out").size() >= ids.size() && redis.pending(stream, group) == 0);
            List<String> order = redis.entries(stream + ":out").stream().map(m -> m.getBody().get("in")).toList();
            assertEquals(ids, order, "outputs in the order of their inputs");
            long calls = redis.calls("evalsha") + redis.calls("eval") - before;
            assertTrue(calls < ids.size() / 5, "commits are batched: " + calls + " script calls for " + ids.size() + " inputs");
        }
    }

    @Test
    void aFailingHandlerWritesNothingAndIsDeadLetteredAsToday() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            List<String> ids = redis.add(stream, 20);
            String poison = ids.get(7);
            AtomicInteger poisonCalls = new AtomicInteger();
            rill.subscribeWithOutputs(options(stream, group, "c1")
                    .retry(RetryOptions.builder().maxAttempts(2).backoff(Duration.ofMillis(5), Duration.ofMillis(10), 2.0, 0).build())
                    .deadLetter(DeadLetterOptions.builder().maxFailures(2).build()).build(), Set.of(stream + ":out"), entry -> {
                        if (entry.id().equals(poison)) {
                            poisonCalls.incrementAndGet();
                            throw new IllegalStateException("poison");
                        }
                        return List.of(invoice(entry));
                    });
            await().atMost(LONG).until(() -> redis.pending(stream, group) == 0 && redis.entries(stream + ":dlq").size() == 1
                    && redis.entries(stream + ":out").size() >= 19);
            List<String> good = new ArrayList<>(ids);
            good.remove(poison);
            Map<String, Integer> counts = outputsPerInput(redis, stream + ":out");
            assertEquals(good.size(), counts.size());
            assertTrue(good.stream().allMatch(id -> counts.get(id) == 1), "one output per good input: " + counts);
            assertEquals(null, counts.get(poison), "nothing written for the failing input");
            assertEquals(2, poisonCalls.get(), "two attempts, then the dead letter");
            assertEquals(poison, redis.entries(stream + ":dlq").get(0).getBody().get(DeadLetter.ID));
        }
    }

    @Test
    void aBatchHandlerReturnsOutputsPerEntry() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            List<String> ids = redis.add(stream, 500);
            rill.subscribeBatchWithOutputs(options(stream, group, "c1").batchSize(50).build(), Set.of(stream + ":out"), entries -> {
                Map<StreamEntry, List<Output>> out = new LinkedHashMap<>();
                for (StreamEntry entry : entries) {
                    // every tenth input has no output: acked all the same
                    out.put(entry, Integer.parseInt(entry.field("n")) % 10 == 0 ? List.of() : List.of(invoice(entry)));
                }
                return out;
            });
            await().atMost(LONG).until(() -> redis.pending(stream, group) == 0 && redis.entries(stream + ":out").size() >= 450);
            Map<String, Integer> counts = outputsPerInput(redis, stream + ":out");
            assertEquals(450, counts.size());
            assertTrue(counts.values().stream().allMatch(c -> c == 1), "one output each");
            assertEquals(450, redis.entries(stream + ":out").size());
        }
    }

    /** A poison entry in a batch: the others commit with their outputs, the poison one is dead-lettered with none. */
    @Test
    void aPartialBatchFailureWithTheOthersOutputsCommitsThemAndDeadLettersThePoisonEntry() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            List<String> ids = redis.add(stream, 100);
            String poison = ids.get(42);
            rill.subscribeBatchWithOutputs(options(stream, group, "c1").batchSize(25)
                    .retry(RetryOptions.builder().maxAttempts(1).build())
                    .deadLetter(DeadLetterOptions.builder().maxFailures(1).build()).build(), Set.of(stream + ":out"), entries -> {
                        Map<StreamEntry, List<Output>> out = new LinkedHashMap<>();
                        Map<StreamEntry, Throwable> failed = new LinkedHashMap<>();
                        for (StreamEntry entry : entries) {
                            if (entry.id().equals(poison)) {
                                failed.put(entry, new IllegalArgumentException("poison"));
                            } else {
                                out.put(entry, List.of(invoice(entry)));
                            }
                        }
                        if (!failed.isEmpty()) {
                            throw io.rill.PartialBatchFailure.of(failed, out);
                        }
                        return out;
                    });
            await().atMost(LONG).until(() -> redis.pending(stream, group) == 0 && redis.entries(stream + ":dlq").size() == 1
                    && redis.entries(stream + ":out").size() >= 99);
            List<String> good = new ArrayList<>(ids);
            good.remove(poison);
            Map<String, Integer> counts = outputsPerInput(redis, stream + ":out");
            assertEquals(good.size(), counts.size());
            assertTrue(good.stream().allMatch(id -> counts.get(id) == 1), "one output per good input");
            assertEquals(99, redis.entries(stream + ":out").size());
        }
    }

    @Test
    void binaryFieldsAreWrittenByteForByteWithTrimming() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client());
                StatefulRedisConnection<String, byte[]> bytes = redis.client().connect(RedisCodec.of(StringCodec.UTF8,
                        ByteArrayCodec.INSTANCE))) {
            List<String> ids = redis.add(stream, 30);
            AtomicInteger calls = new AtomicInteger();
            rill.subscribeWithOutputs(options(stream, group, "c1").build(), Set.of(stream + ":out"), entry -> {
                calls.incrementAndGet();
                return List.of(Output.to(stream + ":out").field("raw", all).field("in", entry.id()).maxLen(10).exactTrimming().build());
            });
            // handled, then committed: nothing pending after the 30th call means all 30 committed
            await().atMost(LONG).until(() -> calls.get() >= 30 && redis.pending(stream, group) == 0);
            List<StreamMessage<String, byte[]>> written = bytes.sync().xrange(stream + ":out", io.lettuce.core.Range.create("-", "+"));
            assertEquals(10, written.size(), "MAXLEN = 10 trimmed exactly");
            for (StreamMessage<String, byte[]> m : written) {
                assertArrayEquals(all, m.getBody().get("raw"), "every byte value kept");
            }
            assertEquals(ids.get(29), new String(written.get(9).getBody().get("in")), "the last input's output is last");
        }
    }

    /**
     * Connections cut while commits are on their way: Lettuce may send a commit again after its answer was
     * lost, and Rill sends failed ones again. Neither may write an output twice.
     */
    @Test
    void commitsResentAfterConnectionCutsWriteEveryOutputOnce() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        try (TcpProxy proxy = TcpProxy.start(server.host(), server.port());
                RedisFixture direct = new RedisFixture(server);
                RedisFixture viaProxy = new RedisFixture(proxy.uri());
                Rill rill = Rill.create(viaProxy.client())) {
            List<String> ids = direct.add(stream, 3000);
            Subscription sub = rill.subscribeWithOutputs(options(stream, group, "c1").concurrency(4).ackFlushSize(50).build(),
                    Set.of(stream + ":out"), entry -> List.of(invoice(entry)));
            for (int cut = 0; cut < 6; cut++) {
                int seen = direct.entries(stream + ":out").size();
                await().atMost(LONG).until(() -> direct.entries(stream + ":out").size() > seen || direct.pending(stream, group) == 0
                        && direct.entries(stream + ":out").size() >= ids.size());
                proxy.cut();
                proxy.restore();
            }
            await().atMost(LONG).until(() -> direct.pending(stream, group) == 0 && direct.entries(stream + ":out").size() >= ids.size()
                    && sub.inFlight() == 0);
            assertExactlyOnce(direct, stream, group, ids);
        }
    }

    /**
     * Two consumers handle the same input (the first one's lease ran out while its handler was slow, and the
     * second reclaimed it): both return an output, one is written.
     */
    @Test
    void anInputHandledByTwoConsumersAfterAReclaimIsWrittenOnce() throws Exception {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        try (RedisFixture redis = new RedisFixture(server); Rill a = Rill.create(redis.client()); Rill b = Rill.create(redis.client())) {
            String id = redis.add(stream, 1).get(0);
            CountDownLatch aEntered = new CountDownLatch(1);
            CountDownLatch bDone = new CountDownLatch(1);
            Map<String, Integer> handled = new ConcurrentHashMap<>();
            // a's handler waits until b committed
            SubscriptionOptions aOptions = options(stream, group, "a").reclaim(ReclaimOptions.builder().enabled(false).build())
                    .build();
            a.subscribeWithOutputs(aOptions, Set.of(stream + ":out"), entry -> {
                handled.merge("a", 1, Integer::sum);
                aEntered.countDown();
                bDone.await();
                return List.of(invoice(entry));
            });
            aEntered.await();
            // b takes the entry over by hand, as a reclaim after a lost lease would, and commits first
            redis.commands().xclaim(stream, io.lettuce.core.Consumer.from(group, "b"), 0, id);
            b.subscribeWithOutputs(options(stream, group, "b").reclaim(ReclaimOptions.builder().enabled(false).build()).build(),
                    Set.of(stream + ":out"), entry -> {
                        handled.merge("b", 1, Integer::sum);
                        return List.of(invoice(entry));
                    });
            await().atMost(LONG).until(() -> redis.pending(stream, group) == 0);
            bDone.countDown();
            await().atMost(LONG).until(() -> a.subscriptions().get(0).inFlight() == 0);
            assertEquals(Map.of("a", 1, "b", 1), handled, "both handlers ran");
            assertExactlyOnce(redis, stream, group, List.of(id));
        }
    }

    @Test
    void anOutputToAnUndeclaredStreamFailsItsInput() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            redis.add(stream, 1);
            rill.subscribeWithOutputs(options(stream, group, "c1").retry(RetryOptions.builder().maxAttempts(1).build())
                    .deadLetter(DeadLetterOptions.builder().maxFailures(1).build()).build(), Set.of(stream + ":out"),
                    entry -> List.of(Output.to("elsewhere").field("a", "b").build()));
            await().atMost(LONG).until(() -> redis.entries(stream + ":dlq").size() == 1);
            assertTrue(redis.entries(stream + ":dlq").get(0).getBody().get(DeadLetter.MESSAGE).contains("did not declare"));
            assertEquals(0, redis.commands().exists("elsewhere"));
        }
    }

    @Test
    void anOutputKeyOfAnotherTypeFailsOnlyTheInputsWritingToIt() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        String bad = stream + ":bad";
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            redis.commands().set(bad, "a string");
            List<String> ids = redis.add(stream, 40);
            rill.subscribeWithOutputs(options(stream, group, "c1").retry(RetryOptions.builder().maxAttempts(1).build())
                    .deadLetter(DeadLetterOptions.builder().maxFailures(1).build()).build(), Set.of(stream + ":out", bad),
                    entry -> List.of(Integer.parseInt(entry.field("n")) == 5 ? Output.to(bad).field("a", "b").build() : invoice(entry)));
            await().atMost(LONG).until(() -> redis.pending(stream, group) == 0 && redis.entries(stream + ":dlq").size() == 1
                    && redis.entries(stream + ":out").size() >= 39);
            assertEquals(39, outputsPerInput(redis, stream + ":out").size());
            assertEquals("a string", redis.commands().get(bad));
            assertTrue(redis.entries(stream + ":dlq").get(0).getBody().get(DeadLetter.MESSAGE).contains("another type"));
        }
    }

    /**
     * Semantics 4 with 12: the journal does not apply to transactional outputs (the commit point is the
     * script). A handled input whose commit never reached Redis is not in the journal: after a restart it is
     * handled again and its output written once.
     */
    @Test
    void withTheJournalOnAnUncommittedInputRunsAgainAfterARestartAndIsWrittenOnce(@TempDir Path dir) throws Exception {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        CheckpointOptions checkpoint = CheckpointOptions.directory(dir);
        try (TcpProxy proxy = TcpProxy.start(server.host(), server.port());
                RedisFixture direct = new RedisFixture(server);
                RedisFixture viaProxy = new RedisFixture(proxy.uri())) {
            List<String> ids = direct.add(stream, 50);
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch handled = new CountDownLatch(50);
            try (Rill first = Rill.create(viaProxy.client())) {
                first.subscribeWithOutputs(options(stream, group, "c1").checkpoint(checkpoint).ackFlushSize(1000)
                        .ackFlushInterval(Duration.ofSeconds(30)).shutdownTimeout(Duration.ofSeconds(1)).build(),
                        Set.of(stream + ":out"), entry -> {
                            runs.incrementAndGet();
                            handled.countDown();
                            return List.of(invoice(entry));
                        });
                handled.await();
                proxy.cut(); // the commits (waiting for a full batch or the interval) never reach Redis
                // the stop's last flush fails: the inputs stay pending
            }
            assertEquals(0, direct.commands().exists(stream + ":out"), "nothing committed by the first run");
            assertEquals(50, direct.pending(stream, group));
            proxy.restore();
            try (Rill second = Rill.create(direct.client())) {
                second.subscribeWithOutputs(options(stream, group, "c1").checkpoint(checkpoint).build(), Set.of(stream + ":out"),
                        entry -> {
                            runs.incrementAndGet();
                            return List.of(invoice(entry));
                        });
                await().atMost(LONG).until(() -> runs.get() >= 100 && direct.pending(stream, group) == 0);
            }
            assertEquals(100, runs.get(), "every input handled again: the journal held none of them");
            assertExactlyOnce(direct, stream, group, ids);
            assertTrue(Files.isDirectory(dir));
        }
    }

    @Test
    void aSubscriptionWithOutputsCanStopAndRestartWithoutLosingOrDuplicating() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        try (RedisFixture redis = new RedisFixture(server)) {
            List<String> ids = redis.add(stream, 3000);
            for (int round = 0; round < 3; round++) {
                try (Rill rill = Rill.create(redis.client())) {
                    Subscription sub = rill.subscribeWithOutputs(options(stream, group, "c1").concurrency(2).build(),
                            Set.of(stream + ":out"), entry -> List.of(invoice(entry)));
                    int seen = redis.entries(stream + ":out").size();
                    await().atMost(LONG).until(() -> redis.entries(stream + ":out").size() > seen + 200
                            || redis.pending(stream, group) == 0 && sub.state() == SubscriptionState.RUNNING);
                }
            }
            try (Rill rill = Rill.create(redis.client())) {
                rill.subscribeWithOutputs(options(stream, group, "c1").build(), Set.of(stream + ":out"), entry -> List.of(invoice(entry)));
                await().atMost(LONG).until(() -> redis.pending(stream, group) == 0 && redis.entries(stream + ":out").size() >= ids.size());
            }
            assertExactlyOnce(redis, stream, group, ids);
        }
    }

    @Test
    void subscribeRefusesAnOutputThatIsAnInputAndAnEmptySet() {
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            SubscriptionOptions o = options("in", "g", "c").build();
            assertTrue(assertThrows(IllegalArgumentException.class, () -> rill.subscribeWithOutputs(o, Set.of("in"), e -> List.of()))
                    .getMessage().contains("also an input stream"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> rill.subscribeWithOutputs(o, Set.of(), e -> List.of()))
                    .getMessage().contains("outputStreams is empty"));
        }
    }

    @Test
    void replicaAcksAreRefusedForOutputsNamingTheOption() {
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            SubscriptionOptions o = options("in", "g", "c").replicaAcks(1).build();
            String message = assertThrows(IllegalArgumentException.class,
                    () -> rill.subscribeWithOutputs(o, Set.of("out"), e -> List.of())).getMessage();
            assertTrue(message.contains("replica-acks") && message.contains("set replica-acks to 0"), message);
            assertTrue(rill.subscriptions().isEmpty());
        }
    }

    /** A partitioned input (semantics 13) commits per partition; an output named like a partition is refused. */
    @Test
    void aPartitionedInputCommitsEveryPartitionsOutputsOnce() {
        String stream = RedisFixture.unique("orders");
        String group = RedisFixture.unique("g");
        io.rill.PartitionedStream partitioned = io.rill.PartitionedStream.of(stream, 3);
        try (RedisFixture redis = new RedisFixture(server); Rill rill = Rill.create(redis.client())) {
            SubscriptionOptions o = options(stream, group, "c1").partitions(3).build();
            assertTrue(assertThrows(IllegalArgumentException.class, () -> rill.subscribeWithOutputs(o,
                    Set.of(partitioned.streams().get(1)), e -> List.of())).getMessage().contains("also an input stream"));
            int inputs = 300;
            for (int n = 0; n < inputs; n++) {
                String key = "k" + n; // the key identifies an input: IDs of different partitions may be equal
                redis.commands().xadd(partitioned.streamFor(key), Map.of("n", key));
            }
            rill.subscribeWithOutputs(o, Set.of(stream + ":out"),
                    entry -> List.of(Output.to(stream + ":out").field("n", entry.field("n")).build()));
            await().atMost(LONG).until(() -> redis.entries(stream + ":out").size() >= inputs
                    && partitioned.streams().stream().allMatch(p -> redis.pending(p, group) == 0));
            Map<String, Integer> counts = new HashMap<>();
            for (StreamMessage<String, String> m : redis.entries(stream + ":out")) {
                counts.merge(m.getBody().get("n"), 1, Integer::sum);
            }
            assertEquals(inputs, counts.size(), "every input has an output");
            assertTrue(counts.values().stream().allMatch(c -> c == 1), "each exactly once: " + counts);
            assertEquals(inputs, redis.entries(stream + ":out").size());
        }
    }

    /**
     * The slot rule against a real one-node cluster (all 16384 slots on it): cross-slot streams fail at
     * subscribe naming the keys and the hash-tag fix; streams of one hash tag commit.
     */
    @Test
    void onAClusterCrossSlotOutputsFailAtSubscribeAndTaggedOnesCommit() {
        RedisServerOptions clustered = RedisServerOptions.builder()
                .extraArgs(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + System.nanoTime() + ".conf"))
                .build();
        try (RedisServer node = RedisServer.startLocal(clustered); RedisFixture redis = new RedisFixture(node);
                Rill rill = Rill.create(redis.client())) {
            redis.commands().dispatch(io.lettuce.core.protocol.CommandType.CLUSTER,
                    new io.lettuce.core.output.StatusOutput<>(StringCodec.UTF8),
                    new io.lettuce.core.protocol.CommandArgs<>(StringCodec.UTF8).add("ADDSLOTSRANGE").add(0).add(16383));
            await().atMost(LONG).until(() -> redis.commands().clusterInfo().contains("cluster_state:ok"));

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rill.subscribeWithOutputs(
                    options("orders", "billing", "c1").build(), Set.of("invoices"), entry -> List.of()));
            assertTrue(e.getMessage().contains("'invoices'") && e.getMessage().contains("'orders'")
                    && e.getMessage().contains("hash tag") && e.getMessage().contains("{orders}"), e.getMessage());

            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                ids.add(redis.add("{orders}:in", "n", Integer.toString(i)));
            }
            rill.subscribeWithOutputs(options("{orders}:in", "billing", "c1").build(), Set.of("{orders}:in:out"),
                    entry -> List.of(invoice(entry)));
            await().atMost(LONG).until(() -> redis.pending("{orders}:in", "billing") == 0 && redis.entries("{orders}:in:out").size() >= 100);
            assertExactlyOnce(redis, "{orders}:in", "billing", ids);
        }
    }
}
