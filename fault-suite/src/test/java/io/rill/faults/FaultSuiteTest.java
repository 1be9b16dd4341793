package io.rill.faults;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import io.rill.testing.TcpProxy;

/**
 * The fault suite: real consumer JVMs ({@link FaultConsumer}) against a real redis-server with AOF while
 * entries with 1 % poison flow, through consumer SIGKILLs, Redis SIGKILL/restart and connection cuts.
 * Each scenario waits (by entry counts) until every entry is settled and nothing is pending, stops the
 * consumers gracefully, prints one line of figures and asserts: every valid entry handled, no valid
 * entry dead-lettered, every poison entry dead-lettered exactly once with reason
 * {@link DeadLetterPolicy#EXPECTED_REASON}, the group's PEL empty. Duplicates are counted, not judged.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteTest {

    private static final int ENTRIES = 8_000;
    /** Picks which consumer dies in scenario (b); {@code -Drill.faults.seed=...} to vary it. */
    private static final long SEED = Long.getLong("rill.faults.seed", 20261107L);

    /** (a) One consumer SIGKILLed and restarted 9 times (every 700 settled entries), Redis crashed twice. */
    @Test
    @Order(1)
    void oneConsumerKilledNineTimesAndRedisCrashedTwice(@TempDir Path checkpoints) throws Exception {
        try (FaultRun run = new FaultRun("a-one-consumer", ENTRIES, checkpoints)) {
            ConsumerJvm consumer = run.consumer("c1", run.server.uri(), 4);
            consumer.start();
            for (int k = 1; k <= 9; k++) {
                run.awaitSettled(700 * k);
                run.kill(consumer);
                consumer.start();
                if (k == 3 || k == 7) {
                    run.awaitSettled(700 * k + 350);
                    run.crashRedis();
                }
            }
            run.awaitDone();
            run.stopConsumers();
            run.verify();
        }
    }

    /**
     * (b) Three consumers; nine times (every 600 settled entries) a random one is SIGKILLed and started
     * again 300 entries later, the others reclaiming what it held meanwhile; Redis crashed twice while one
     * consumer is down.
     */
    @Test
    @Order(2)
    void threeConsumersRandomlyKilledAndRedisCrashedTwice(@TempDir Path checkpoints) throws Exception {
        try (FaultRun run = new FaultRun("b-three-consumers", ENTRIES, checkpoints)) {
            List<ConsumerJvm> consumers = List.of(run.consumer("c1", run.server.uri(), 2),
                    run.consumer("c2", run.server.uri(), 2), run.consumer("c3", run.server.uri(), 2));
            for (ConsumerJvm consumer : consumers) {
                consumer.start();
            }
            Random random = new Random(SEED);
            for (int k = 1; k <= 9; k++) {
                run.awaitSettled(600 * k);
                ConsumerJvm victim = consumers.get(random.nextInt(consumers.size()));
                run.kill(victim);
                if (k == 5 || k == 8) {
                    run.awaitSettled(600 * k + 150);
                    run.crashRedis();
                }
                run.awaitSettled(600 * k + 300);
                victim.start();
            }
            run.awaitDone();
            run.stopConsumers();
            run.verify();
        }
    }

    /**
     * (c) Two consumers, each through its own {@link TcpProxy}. Twice one proxy is cut (its consumer loses
     * both connections and cannot reconnect) while the other consumer settles 2,500 entries, long enough
     * for it to reclaim what the cut one holds; then restored. Three times both are cut and restored at
     * once (a blip: both reconnect and read their own pending entries again).
     */
    @Test
    @Order(3)
    void twoConsumersBehindProxiesThroughConnectionCuts(@TempDir Path checkpoints) throws Exception {
        try (FaultRun run = new FaultRun("c-connection-cuts", ENTRIES, checkpoints)) {
            TcpProxy a = run.proxy();
            TcpProxy b = run.proxy();
            run.consumer("c1", a.uri(), 2).start();
            run.consumer("c2", b.uri(), 2).start();
            run.awaitSettled(600);
            blip(run, a, b);
            run.awaitSettled(1000);
            run.cut(a);
            run.awaitSettled(3500);
            a.restore();
            run.awaitSettled(4000);
            blip(run, a, b);
            run.awaitSettled(4500);
            run.cut(b);
            run.awaitSettled(7000);
            b.restore();
            run.awaitSettled(7500);
            blip(run, a, b);
            run.awaitDone();
            run.stopConsumers();
            run.verify();
        }
    }

    /** Entries of the output scenarios, as many as the order-service run that wrote 73 duplicate invoices. */
    private static final int OUTPUT_ENTRIES = 20_000;

    /**
     * (d) Exactly-once output (semantics 12), one consumer whose handler returns an output per input:
     * SIGKILLed six times at random points of its work (every 3,000 settled entries), three times halted
     * right before sending an output commit (the commit ready, not sent), Redis crashed twice (AOF, fsync
     * always). Every input has exactly one output, no input is pending.
     */
    @Test
    @Order(4)
    void outputsExactlyOnceWithOneConsumerKilledHaltedBeforeCommitsAndRedisCrashed(@TempDir Path checkpoints)
            throws Exception {
        try (FaultRun run = new FaultRun("d-outputs-one-consumer", OUTPUT_ENTRIES, checkpoints).withOutputs("invoices")) {
            ConsumerJvm consumer = run.consumer("c1", run.server.uri(), 4);
            consumer.start();
            Random random = new Random(SEED);
            for (int k = 1; k <= 6; k++) {
                run.awaitSettled(3000 * k);
                run.kill(consumer);
                if (k % 2 == 0 && run.haltsBeforeCommit()) {
                    consumer.startHaltingBeforeCommit(1 + random.nextInt(30));
                    run.awaitHalted(consumer);
                }
                consumer.start();
                if (k == 2 || k == 5) {
                    run.awaitSettled(3000 * k + 1000);
                    run.crashRedis();
                }
            }
            run.awaitDone();
            run.stopConsumers();
            run.verify();
            run.verifyOutputs();
        }
    }

    /**
     * (e) As (d) with three consumers, the setting (three instances SIGKILLed 15 times during
     * 20,000 orders wrote 73 duplicate invoices with publish-then-ack): fifteen times (every 1,250 settled
     * entries) a random one is SIGKILLed and, every third time but the last, started again to halt before
     * one of its first five output commits, the others reclaiming what it held; Redis crashed twice.
     */
    @Test
    @Order(5)
    void outputsExactlyOnceWithThreeConsumersKilledHaltedBeforeCommitsAndRedisCrashed(@TempDir Path checkpoints)
            throws Exception {
        try (FaultRun run = new FaultRun("e-outputs-three-consumers", OUTPUT_ENTRIES, checkpoints).withOutputs("invoices")) {
            List<ConsumerJvm> consumers = List.of(run.consumer("c1", run.server.uri(), 2),
                    run.consumer("c2", run.server.uri(), 2), run.consumer("c3", run.server.uri(), 2));
            for (ConsumerJvm consumer : consumers) {
                consumer.start();
            }
            Random random = new Random(SEED);
            for (int k = 1; k <= 15; k++) {
                run.awaitSettled(1250 * k);
                ConsumerJvm victim = consumers.get(random.nextInt(consumers.size()));
                run.kill(victim);
                // not at the last kill: the few entries left might never make the halting incarnation commit n times
                if (k % 3 == 0 && k < 15 && run.haltsBeforeCommit()) {
                    victim.startHaltingBeforeCommit(1 + random.nextInt(5));
                    run.awaitHalted(victim);
                }
                if (k == 5 || k == 11) {
                    run.awaitSettled(1250 * k + 300);
                    run.crashRedis();
                }
                run.awaitSettled(1250 * k + 600);
                victim.start();
            }
            run.awaitDone();
            run.stopConsumers();
            run.verify();
            run.verifyOutputs();
        }
    }

    private static void blip(FaultRun run, TcpProxy a, TcpProxy b) {
        run.cut(a);
        run.cut(b);
        a.restore();
        b.restore();
    }
}
