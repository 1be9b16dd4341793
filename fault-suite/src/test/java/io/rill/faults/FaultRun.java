package io.rill.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.function.Executable;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.rill.faults.Ledger.DeadLetterSeen;
import io.rill.testing.RedisServer;
import io.rill.testing.RedisServerOptions;
import io.rill.testing.TcpProxy;

/**
 * One scenario's world: a redis-server with AOF ({@code appendfsync always}, so nothing Redis
 * acknowledged is lost to its SIGKILL), the stream and group, the consumer JVMs and proxies, the
 * {@link Ledger}, and the faults. The test thread alone produces entries and injects faults, so no
 * XADD of the test is ever in flight when Redis is killed: the number of entries is exact.
 *
 * <p>Progress is counted in settled entries (handled or dead-lettered), so every mark is reached
 * whatever the product does with an entry; time only bounds the whole run ({@link #BUDGET}).
 */
final class FaultRun implements AutoCloseable {

    static final String STREAM = "orders";
    static final String GROUP = "billing";
    /** One entry in a hundred is poison: the ones whose sequence number ends in 42. */
    static final int POISON_EVERY = 100;
    static final int POISON_AT = 42;
    /** The whole scenario, faults included, must settle within this; a bound, not a measurement. */
    static final Duration BUDGET = Duration.ofMinutes(3);
    /** Entries written before the consumers start, then per top-up; at most this many unsettled ones. */
    static final int CHUNK = 500;
    static final int BACKLOG = 1000;

    final String scenario;
    final int total;
    final Ledger ledger = new Ledger();
    final RedisServer server;
    private final Path logs;
    private final Path checkpoints;
    private final boolean journal;
    private final Instant deadline;
    private final RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private final String deadLetterStream;
    private final List<ConsumerJvm> consumers = new ArrayList<>();
    private final List<TcpProxy> proxies = new ArrayList<>();
    private String lastDeadLetterId = "0-0";
    private int kills;
    private int redisRestarts;
    private int cuts;
    private int halts;
    /** The stream the consumers' handlers return outputs to (semantics 12); null: plain handlers. */
    private String output;

    FaultRun(String scenario, int total, Path checkpoints) {
        this.scenario = scenario;
        this.total = total;
        this.checkpoints = checkpoints;
        this.logs = Path.of(System.getProperty("rill.faults.logs", System.getProperty("java.io.tmpdir") + "/rill-fault-logs"))
                .resolve(scenario);
        this.journal = Boolean.parseBoolean(System.getProperty("rill.faults.journal", "true"));
        this.deadline = Instant.now().plus(BUDGET);
        this.deadLetterStream = DeadLetterPolicy.options().streamFor(STREAM);
        this.server = RedisServer.startLocal(RedisServerOptions.builder().appendOnly(true).build());
        try {
            this.client = RedisClient.create(server.uri());
            this.connection = client.connect();
            connection.sync().xgroupCreate(StreamOffset.from(STREAM, "0"), GROUP, XGroupCreateArgs.Builder.mkstream());
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /**
     * Consumers created from now on return one output per valid input to {@code stream}, committed with the
     * input's ack (semantics 12); {@link #verifyOutputs()} then checks that each input has exactly one.
     */
    FaultRun withOutputs(String stream) {
        this.output = stream;
        return this;
    }

    /**
     * False when {@code -Drill.faults.output-mode=publish-then-ack} runs the output scenarios without
     * semantics 12 for comparison: there is no commit to halt before, so the scenarios only SIGKILL.
     */
    boolean haltsBeforeCommit() {
        return !System.getProperty("rill.faults.output-mode", "transactional").equals("publish-then-ack");
    }

    /** A proxy in front of this run's Redis, closed with the run. */
    TcpProxy proxy() {
        TcpProxy proxy = TcpProxy.start(server.host(), server.port());
        proxies.add(proxy);
        return proxy;
    }

    /** A consumer identity reading through {@code uri} (the server's, or a proxy's), not yet started. */
    ConsumerJvm consumer(String name, String uri, int concurrency) {
        List<String> args = new ArrayList<>(List.of("uri=" + uri, "stream=" + STREAM, "group=" + GROUP,
                "consumer=" + name, "concurrency=" + concurrency, "work-micros=1000", "min-idle-ms=1500",
                "claim-interval-ms=500", "attempts=3", "batch=100"));
        args.add("checkpoint=" + (journal ? checkpoints.resolve(name).toString() : "-"));
        if (output != null) {
            args.add("output=" + output);
            // -Drill.faults.output-mode=publish-then-ack: the same scenario without semantics 12, for comparison
            args.add("output-mode=" + System.getProperty("rill.faults.output-mode", "transactional"));
        }
        ConsumerJvm consumer = new ConsumerJvm(name, args, logs, ledger);
        consumers.add(consumer);
        return consumer;
    }

    // ---- entries

    /** Writes the next {@code n} entries (fewer at the end), pipelined, and records their IDs. */
    private void produce(int n) {
        RedisAsyncCommands<String, String> async = connection.async();
        int first = ledger.produced();
        int count = Math.min(n, total - first);
        List<RedisFuture<String>> replies = new ArrayList<>(count);
        for (int i = first; i < first + count; i++) {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("n", Integer.toString(i));
            fields.put("poison", isPoison(i) ? "1" : "0");
            fields.put("payload", "order-" + i);
            replies.add(async.xadd(STREAM, fields));
        }
        for (int i = 0; i < count; i++) {
            try {
                ledger.produced(replies.get(i).get(30, TimeUnit.SECONDS), isPoison(first + i));
            } catch (Exception e) {
                throw new IllegalStateException("XADD of entry " + (first + i) + " failed; Redis is up, so the "
                        + "harness is at fault", e);
            }
        }
    }

    static boolean isPoison(int sequence) {
        return sequence % POISON_EVERY == POISON_AT;
    }

    private boolean needsEntries() {
        int produced = ledger.produced();
        return produced < total && produced - settled() < BACKLOG;
    }

    private void topUp() {
        while (needsEntries()) {
            produce(CHUNK);
        }
    }

    /** Settled entries, after reading what is new in the dead-letter stream. */
    int settled() {
        readDeadLetters();
        return ledger.settled();
    }

    private synchronized void readDeadLetters() {
        List<StreamMessage<String, String>> letters = connection.sync().xrange(deadLetterStream,
                Range.from(Range.Boundary.excluding(lastDeadLetterId), Range.Boundary.unbounded()));
        for (StreamMessage<String, String> letter : letters) {
            Map<String, String> body = letter.getBody();
            ledger.deadLettered(new DeadLetterSeen(letter.getId(), body.get("rill.id"), body.get("rill.reason"),
                    body.get("poison"), body.get("rill.failures"), body.get("rill.deliveries")));
            lastDeadLetterId = letter.getId();
        }
    }

    long pending() {
        return connection.sync().xpending(STREAM, GROUP).getCount();
    }

    // ---- progress

    /** Writes entries as the backlog allows until {@code mark} entries are settled. */
    void awaitSettled(int mark) {
        if (mark > total) {
            throw new IllegalArgumentException("mark " + mark + " is beyond the " + total + " entries");
        }
        while (true) {
            topUp();
            if (settled() >= mark) {
                return;
            }
            waitUntil(() -> settled() >= mark || needsEntries(), "until " + mark + " entries are settled");
        }
    }

    /** Writes the rest, then waits until every entry is settled and nothing is pending in the group. */
    void awaitDone() {
        awaitSettled(total);
        waitUntil(() -> settled() >= total && pending() == 0, "until nothing is pending");
    }

    private void waitUntil(BooleanSupplier condition, String what) {
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.isNegative() || left.isZero()) {
            throw new AssertionError(scenario + ": budget of " + BUDGET + " spent waiting " + what + "; " + state());
        }
        try {
            await().atMost(left).pollInterval(Duration.ofMillis(50))
                    .until(() -> condition.getAsBoolean() || unexpectedExit() != null);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(scenario + ": budget of " + BUDGET + " spent waiting " + what + "; " + state(), e);
        }
        String exit = unexpectedExit();
        if (exit != null) {
            throw new AssertionError(scenario + ": a consumer died that nobody killed: " + exit);
        }
    }

    private String unexpectedExit() {
        for (ConsumerJvm consumer : consumers) {
            String exit = consumer.unexpectedExit();
            if (exit != null) {
                return exit;
            }
        }
        return null;
    }

    private String state() {
        int settled;
        try {
            settled = settled(); // the dead letters written since the last look included
        } catch (RuntimeException e) {
            settled = ledger.settled();
        }
        return "produced " + ledger.produced() + "/" + total + ", settled " + settled + ", consumers "
                + consumers + ", " + whereUnsettledAre() + ", logs " + logs;
    }

    /** For a run that stalled: the group's pending entries by consumer, and where the first unsettled ones are. */
    private String whereUnsettledAre() {
        try {
            StringBuilder where = new StringBuilder("pending by consumer "
                    + connection.sync().xpending(STREAM, GROUP).getConsumerMessageCount() + ", first unsettled");
            Map<String, String> letters = new HashMap<>(); // original ID -> dead-letter ID, the whole stream
            for (StreamMessage<String, String> letter : connection.sync().xrange(deadLetterStream, Range.create("-", "+"))) {
                letters.put(letter.getBody().get("rill.id"), letter.getId());
            }
            for (String id : ledger.unsettled(5)) {
                var pending = connection.sync().xpending(STREAM, GROUP, Range.create(id, id), Limit.from(1));
                where.append(' ').append(id).append(pending.isEmpty() ? " (not pending: not delivered yet, or acked"
                        : " (pending at " + pending.get(0).getConsumer() + ", idle " + pending.get(0).getMsSinceLastDelivery()
                                + " ms, delivered " + pending.get(0).getRedeliveryCount() + " times");
                where.append(letters.containsKey(id) ? "; dead letter " + letters.get(id) + ")" : "; no dead letter)");
            }
            return where.append(", dead-letter stream: ").append(letters.size()).append(" letters, read up to ")
                    .append(lastDeadLetterId).toString();
        } catch (RuntimeException e) {
            return "pending unknown (" + e + ")";
        }
    }

    // ---- faults

    void kill(ConsumerJvm consumer) throws InterruptedException {
        consumer.kill();
        kills++;
    }

    /** SIGKILL Redis and start it again on the same port and AOF; the test's own connection is renewed. */
    void crashRedis() {
        connection.close();
        server.kill();
        server.restart();
        connection = client.connect();
        redisRestarts++;
    }

    /** Waits (writing entries meanwhile) until the consumer halted before a commit, as it was started to. */
    void awaitHalted(ConsumerJvm consumer) throws InterruptedException {
        // no entries written until it reads: else the others may drain all that is left meanwhile (a slow JVM start
        // on a busy machine), and an incarnation that never gets an entry never reaches a commit to halt before
        waitUntil(() -> consumer.subscribed() || consumer.halted(), "until " + consumer + " subscribed");
        while (!consumer.halted()) {
            topUp();
            waitUntil(() -> consumer.halted() || needsEntries(), "until " + consumer + " halts before a commit");
        }
        consumer.reapHalted();
        halts++;
    }

    void cut(TcpProxy proxy) {
        proxy.cut();
        cuts++;
    }

    // ---- verdict

    /** Stops every running consumer gracefully, side by side. */
    void stopConsumers() throws IOException, InterruptedException {
        List<ConsumerJvm> running = consumers.stream().filter(ConsumerJvm::running).toList();
        for (ConsumerJvm consumer : running) {
            consumer.requestStop();
        }
        for (ConsumerJvm consumer : running) {
            consumer.awaitStopped();
        }
    }

    /** Prints the scenario's figures (one line, also appended to {@code <logs>/../summary.txt}), then asserts. */
    void verify() throws IOException {
        readDeadLetters();
        long pending = pending();
        Ledger.Figures f = ledger.figures();
        String line = String.format("FAULTS %s: entries=%d poison=%d kills=%d redis-restarts=%d cuts=%d duplicates=%d "
                + "(extra handler runs %d) valid-dead-lettered=%d poison-dead-letters=%d (distinct %d) reasons=%s "
                + "poison-attempts=%d poison-letter-failures=%s poison-letter-deliveries=%s pending=%d journal=%s",
                scenario, f.entries(), f.poison(), kills, redisRestarts, cuts, f.duplicates(), f.extraRuns(),
                f.validDeadLettered().size(), f.poisonDeadLetters(), f.poisonDeadLettered(), f.reasons(),
                f.poisonAttempts(), f.poisonFailures(), f.poisonDeliveries(), pending, journal);
        System.out.println(line);
        Files.createDirectories(logs);
        Files.writeString(logs.resolveSibling("summary.txt"), Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);

        Set<String> valid = ledger.valid();
        Set<String> poison = ledger.poison();
        Map<String, Integer> handled = ledger.handledCounts();
        List<DeadLetterSeen> letters = ledger.deadLetters();
        Map<String, List<DeadLetterSeen>> poisonLetters = letters.stream().filter(l -> poison.contains(l.originalId()))
                .collect(Collectors.groupingBy(DeadLetterSeen::originalId));

        List<Executable> checks = new ArrayList<>();
        // the harness's own soundness first
        checks.add(() -> assertEquals(total, valid.size() + poison.size(), "entries produced"));
        checks.add(() -> assertEquals(total / POISON_EVERY, poison.size(), "poison entries produced"));
        checks.add(() -> assertEquals(Set.of(), sample(handled.keySet().stream().filter(id -> !valid.contains(id))),
                "handled IDs that are not valid entries of this run (a poison entry's handler never returns)"));
        checks.add(() -> assertEquals(List.of(), letters.stream().filter(l -> !valid.contains(l.originalId())
                && !poison.contains(l.originalId())).limit(10).toList(), "dead letters of IDs this run never wrote"));
        checks.add(() -> assertEquals(List.of(), letters.stream().filter(l -> l.originalId() != null
                && !(poison.contains(l.originalId()) ? "1" : "0").equals(l.poisonField())).limit(10).toList(),
                "dead letters whose poison field is not what the test wrote under that ID"));
        // the product's outcome
        long unhandled = valid.stream().filter(id -> !handled.containsKey(id)).count();
        checks.add(() -> assertEquals(Set.of(), sample(valid.stream().filter(id -> !handled.containsKey(id))),
                unhandled + " valid entries never handled (first 10)"));
        checks.add(() -> assertEquals(Set.of(), sample(f.validDeadLettered().stream()),
                f.validDeadLettered().size() + " valid entries dead-lettered (first 10)"));
        checks.add(() -> assertEquals(Set.of(), sample(poison.stream().filter(id -> !poisonLetters.containsKey(id))),
                (poison.size() - poisonLetters.size()) + " poison entries never dead-lettered (first 10)"));
        checks.add(() -> assertEquals(Map.of(), poisonLetters.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .limit(10).collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().size())),
                "poison entries dead-lettered more than once"));
        checks.add(() -> assertEquals(List.of(), poisonLetters.values().stream().flatMap(List::stream)
                .filter(l -> !DeadLetterPolicy.EXPECTED_REASON.equals(l.reason())).limit(10).toList(),
                "poison dead letters whose reason is not '" + DeadLetterPolicy.EXPECTED_REASON + "' (dead letters by reason: "
                + f.reasons() + "; first 10)"));
        checks.add(() -> assertTrue(pending == 0, "the group's PEL holds " + pending + " entries after the stop"));
        assertAll(scenario, checks);
    }

    /**
     * Semantics 12: every valid input has exactly one output entry, no poison input has one, and no output
     * names an input this run did not write. Prints one line (also appended to the summary) with the
     * output duplicates, the figure the 73 duplicate invoices of publish-then-ack are compared with.
     */
    void verifyOutputs() throws IOException {
        Map<String, Integer> outputs = new HashMap<>();
        String last = "-";
        while (true) {
            List<StreamMessage<String, String>> page = connection.sync().xrange(output,
                    last.equals("-") ? Range.create("-", "+") : Range.from(Range.Boundary.excluding(last), Range.Boundary.unbounded()),
                    Limit.from(5000));
            if (page.isEmpty()) {
                break;
            }
            for (StreamMessage<String, String> m : page) {
                outputs.merge(m.getBody().get("in"), 1, Integer::sum);
            }
            last = page.get(page.size() - 1).getId();
        }
        Set<String> valid = ledger.valid();
        Set<String> poison = ledger.poison();
        long duplicates = outputs.values().stream().filter(c -> c > 1).mapToLong(c -> c - 1).sum();
        long missing = valid.stream().filter(id -> !outputs.containsKey(id)).count();
        long pending = pending();
        String line = String.format("OUTPUTS %s: inputs=%d valid=%d outputs=%d output-duplicates=%d missing=%d "
                + "poison-with-output=%d kills=%d halts-before-commit=%d redis-restarts=%d pending=%d", scenario,
                ledger.produced(), valid.size(), outputs.values().stream().mapToInt(Integer::intValue).sum(), duplicates,
                missing, poison.stream().filter(outputs::containsKey).count(), kills, halts, redisRestarts, pending);
        System.out.println(line);
        Files.createDirectories(logs);
        Files.writeString(logs.resolveSibling("summary.txt"), Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        assertAll(scenario + " outputs",
                () -> assertEquals(0, duplicates, "outputs written more than once: " + sample(outputs.entrySet().stream()
                        .filter(e -> e.getValue() > 1).map(Map.Entry::getKey))),
                () -> assertEquals(Set.of(), sample(valid.stream().filter(id -> !outputs.containsKey(id))),
                        missing + " valid inputs without an output (first 10)"),
                () -> assertEquals(Set.of(), sample(poison.stream().filter(outputs::containsKey)), "poison inputs with an output"),
                () -> assertEquals(Set.of(), sample(outputs.keySet().stream().filter(id -> !valid.contains(id))),
                        "outputs of inputs this run never wrote"),
                () -> assertEquals(0, pending, "inputs pending"));
    }

    private static Set<String> sample(Stream<String> ids) {
        return ids.sorted().limit(10).collect(Collectors.toCollection(TreeSet::new));
    }

    @Override
    public void close() {
        List<Throwable> errors = new ArrayList<>();
        for (ConsumerJvm consumer : consumers) {
            try {
                consumer.close();
            } catch (Throwable e) {
                errors.add(e);
            }
        }
        for (TcpProxy proxy : proxies) {
            proxy.close();
        }
        try {
            connection.close();
            client.shutdown(0, 2, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            errors.add(e);
        }
        server.close();
        if (!errors.isEmpty()) {
            IllegalStateException failure = new IllegalStateException(scenario + ": cleanup failed");
            errors.forEach(failure::addSuppressed);
            throw failure;
        }
    }
}
