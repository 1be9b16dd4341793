package io.rill.internal.admit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.StreamEntry;
import io.rill.SubscriptionOptions;
import io.rill.internal.connect.EntryCodec;
import io.rill.internal.metrics.Meters;
import io.rill.internal.read.NewSource;
import io.rill.internal.window.InFlightWindow;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.TcpProxy;
import io.rill.testing.WithRedis;

/**
 * The admission of new entries (semantics 2, 3) against a real Redis: a read's entries go to the hand-off
 * from the thread that received the reply, not the read thread, in stream order and once each; every entry
 * Redis delivered to the consumer is admitted, the reads sent ahead under a backlog included, also when the
 * admission stops in the middle of one; entries that come one at a time are read by the I/O thread too, one
 * read sent from each arrival; an arrival that fails ends the run with its error instead of
 * vanishing on the I/O thread; and the read thread, which waits for a run of reads sent ahead as a whole,
 * waits as long as they keep arriving and fails the run with a timeout when one does not. Entries that come one at
 * a time go to a worker waiting for work with the next read, which it sends after its handler; a stop, a pause or a
 * lost read connection releases that read at once and it is never sent, a handler that keeps it for a read timeout
 * loses it to the read thread, and a send that fails on the worker ends the run. The own PEL is empty here, so the
 * history source has nothing to read.
 */
@WithRedis
class AdmissionTest {

    private static final int BATCH = 100;
    private static final String READ_THREAD = "test-read-thread";

    private final RedisServer server;

    AdmissionTest(RedisServer server) {
        this.server = server;
    }

    private RedisFixture redis;
    private StatefulRedisConnection<String, byte[]> read;
    private String stream;
    private SubscriptionOptions options;

    @BeforeEach
    void open() {
        redis = new RedisFixture(server);
        read = redis.client().connect(EntryCodec.INSTANCE);
        stream = RedisFixture.unique("admission");
        options = SubscriptionOptions.builder().streams(stream).group("g").consumer("c").batchSize(BATCH)
                .maxInFlight(10_000).blockTimeout(Duration.ofMillis(100)).build();
    }

    @AfterEach
    void close() {
        read.close();
        redis.close();
    }

    @Test
    void aBacklogReachesTheHandOffFromTheReplysThreadInOrderAndOnceEach() throws Exception {
        List<String> ids = redis.add(stream, 2_000);
        List<StreamEntry> handed = new ArrayList<>();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        AtomicReference<Admission> admission = new AtomicReference<>();
        admission.set(admission(entries -> {
            threads.add(Thread.currentThread().getName());
            synchronized (handed) {
                handed.addAll(entries);
                if (handed.size() == ids.size()) {
                    admission.get().stop();
                }
            }
        }));

        assertNull(runToTheEnd(admission.get()));
        synchronized (handed) {
            assertEquals(ids, handed.stream().map(StreamEntry::id).toList());
        }
        assertFalse(threads.contains(READ_THREAD), "entries were handed off by the read thread: " + threads);
        assertEquals(ids.size(), redis.pending(stream, options.group()));
    }

    @Test
    void aStopInTheMiddleOfABacklogAdmitsEveryEntryRedisDeliveredTheReadsSentAheadIncluded() throws Exception {
        redis.add(stream, 5_000);
        Set<String> handed = ConcurrentHashMap.newKeySet();
        AtomicReference<Admission> admission = new AtomicReference<>();
        admission.set(admission(entries -> {
            entries.forEach(entry -> handed.add(entry.id()));
            admission.get().stop(); // after the first read: the one its arrival sent ahead is on its way
        }));

        assertNull(runToTheEnd(admission.get()));
        assertTrue(handed.size() > BATCH, "no read was sent ahead: " + handed.size());
        assertEquals(redis.pendingIds(stream, options.group()), handed);
    }

    @Test
    void entriesComingOneAtATimeAreReadByTheIoThreadAfterTheFirstRead() throws Exception {
        // each read returns one entry, short of its COUNT: its arrival still sends the next read, which waits in
        // Redis for the next entry, so the read thread sends the first read only and sleeps until the stop
        int total = 20;
        List<String> sentBy = new ArrayList<>();
        Source fresh = new NewSource(options);
        Source counted = new Source() {
            @Override
            public Batch next(RedisCommands<String, byte[]> commands, int count)
                    throws InterruptedException {
                return fresh.next(commands, count);
            }

            @Override
            public Pending send(RedisCommands<String, byte[]> commands, int count,
                    Consumer<Batch> arrived) {
                synchronized (sentBy) {
                    sentBy.add(Thread.currentThread().getName());
                }
                return fresh.send(commands, count, arrived);
            }
        };
        List<String> handed = new ArrayList<>();
        Admission admission = admission(entries -> {
            synchronized (handed) {
                entries.forEach(entry -> handed.add(entry.id()));
            }
        }, counted);
        CompletableFuture<Throwable> ended = start(admission);
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= total; i++) {
            ids.add(redis.add(stream, "n", Integer.toString(i)));
            int expected = i;
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                synchronized (handed) {
                    return handed.size() == expected;
                }
            });
        }
        admission.stop();
        assertNull(ended.get(30, TimeUnit.SECONDS));

        assertEquals(ids, handed);
        synchronized (sentBy) {
            assertEquals(1, sentBy.stream().filter(READ_THREAD::equals).count(), "reads sent by the read thread: " + sentBy);
            assertTrue(sentBy.size() > total, "one read per entry and one waiting at the stop: " + sentBy.size());
        }
    }

    @Test
    void anArrivalThatFailsEndsTheRunWithItsError() throws Exception {
        redis.add(stream, 10);
        IllegalStateException failure = new IllegalStateException("the hand-off failed");
        Admission admission = admission(entries -> {
            throw failure;
        });

        assertSame(failure, runToTheEnd(admission));
    }

    @Test
    void aChainOfReadsSentAheadLongerThanTheReadTimeoutIsWaitedForWhileItsReadsArrive() throws Exception {
        // 5,000 reads of 10 entries sent one after another, each well within 50 ms, all of them far longer; the
        // window holds them all and the chain ends when it is full, without a read that blocks
        int total = 50_000;
        redis.add(stream, total);
        options = SubscriptionOptions.builder().streams(stream).group("g").consumer("c").batchSize(10).maxInFlight(total)
                .blockTimeout(Duration.ofMillis(10)).build();
        read.setTimeout(Duration.ofMillis(50));
        Set<String> handed = ConcurrentHashMap.newKeySet();
        AtomicReference<Admission> admission = new AtomicReference<>();
        admission.set(admission(entries -> {
            entries.forEach(entry -> handed.add(entry.id()));
            if (handed.size() == total) {
                admission.get().stop();
            }
        }));

        assertNull(runToTheEnd(admission.get()));
        assertEquals(total, handed.size());
    }

    @Test
    void aReadSentAheadWhoseReplyNeverComesIsCancelledAndEndsTheRunWithATimeout() throws Exception {
        try (TcpProxy proxy = TcpProxy.start(server.host(), server.port());
                RedisClient client = RedisClient.create(proxy.uri())) {
            read.close();
            read = client.connect(EntryCodec.INSTANCE);
            read.setTimeout(Duration.ofMillis(500));
            redis.add(stream, 5_000);
            Set<String> handed = ConcurrentHashMap.newKeySet();
            Admission admission = admission(entries -> {
                entries.forEach(entry -> handed.add(entry.id()));
                proxy.holdReplies(); // the read sent ahead of this one never gets its reply
            });

            assertInstanceOf(RedisCommandTimeoutException.class, runToTheEnd(admission));
            assertTrue(handed.size() < 5_000, "every entry arrived: " + handed.size());
            proxy.release();
        }
    }

    @Test
    void entriesComingOneAtATimeToAnIdleWorkerAreReadOnByTheWorkerAfterItsHandler() throws Exception {
        int total = 20;
        List<String> sentBy = new CopyOnWriteArrayList<>();
        try (Worker worker = new Worker()) {
            // no read returns empty meanwhile: every read after the first is the worker's
            Admission admission = slowReadsHeld(worker, sentBy, null, Duration.ofSeconds(10), Duration.ofSeconds(30));
            CompletableFuture<Throwable> ended = start(admission);
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= total; i++) {
                int sent = i;
                await().atMost(Duration.ofSeconds(10)).until(() -> sentBy.size() == sent); // the next read is out
                ids.add(redis.add(stream, "n", Integer.toString(i)));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> sentBy.size() == total + 1);
            admission.stop();
            ids.add(redis.add(stream, "n", "last")); // the read blocked in Redis returns it (a supervisor would unblock it)
            assertNull(ended.get(30, TimeUnit.SECONDS));

            assertEquals(ids, worker.handed);
            assertEquals(READ_THREAD, sentBy.get(0));
            assertEquals(List.of(Worker.NAME), sentBy.subList(1, sentBy.size()).stream().distinct().toList(),
                    "the reads after the first: " + sentBy);
        }
    }

    @Test
    void aBacklogsReadsGoOutFromTheIoThreadWhileTheWorkerWaits() throws Exception {
        List<String> ids = redis.add(stream, 2_000);
        List<String> sentBy = new CopyOnWriteArrayList<>();
        try (Worker worker = new Worker()) {
            Admission admission = slowReadsHeld(worker, sentBy, null, Duration.ofMillis(100), Duration.ofSeconds(30));
            CompletableFuture<Throwable> ended = start(admission);
            await().atMost(Duration.ofSeconds(30)).until(() -> worker.handed.size() == ids.size());
            admission.stop();
            assertNull(ended.get(30, TimeUnit.SECONDS));

            assertEquals(ids, worker.handed);
            assertFalse(sentBy.contains(Worker.NAME), "a full batch's read was left to the worker: " + sentBy);
        }
    }

    @Test
    void aStopWhileTheWorkerHoldsTheNextReadEndsTheRunAtOnceAndTheReadIsNeverSent() throws Exception {
        List<String> sentBy = new CopyOnWriteArrayList<>();
        try (Worker worker = new Worker()) {
            Admission admission = slowReadsHeld(worker, sentBy, null, Duration.ofSeconds(10), Duration.ofMinutes(5));
            CompletableFuture<Throwable> ended = holdTheNextRead(admission, worker, sentBy);

            admission.stop();
            await().atMost(Duration.ofSeconds(30)).until(ended::isDone);
            assertNull(ended.get());
            worker.gate.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.aftersRun.get() == 1);
            assertEquals(List.of(READ_THREAD), sentBy, "a read went out after the stop");
        }
    }

    @Test
    void aPauseWhileTheWorkerHoldsTheNextReadLeavesTheReadThreadIdleAtOnce() throws Exception {
        List<String> sentBy = new CopyOnWriteArrayList<>();
        try (Worker worker = new Worker()) {
            Admission admission = slowReadsHeld(worker, sentBy, null, Duration.ofSeconds(10), Duration.ofMinutes(5));
            CompletableFuture<Throwable> ended = holdTheNextRead(admission, worker, sentBy);

            admission.pause();
            assertTrue(admission.awaitIdle(30, TimeUnit.SECONDS), "the read thread still waits for the handler");
            worker.gate.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.aftersRun.get() == 1);
            assertEquals(List.of(READ_THREAD), sentBy, "a read went out while paused");

            admission.resume(); // reads again, from the read thread
            String next = redis.add(stream, "n", "2");
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.handed.contains(next));
            admission.stop();
            redis.add(stream, 1); // the read blocked in Redis returns (a supervisor would unblock it)
            assertNull(ended.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aLostReadConnectionWhileTheWorkerHoldsTheNextReadEndsTheRunWithTheLoss() throws Exception {
        List<String> sentBy = new CopyOnWriteArrayList<>();
        try (Worker worker = new Worker()) {
            Admission admission = slowReadsHeld(worker, sentBy, null, Duration.ofSeconds(10), Duration.ofMinutes(5));
            CompletableFuture<Throwable> ended = holdTheNextRead(admission, worker, sentBy);

            admission.readConnectionLost(); // what the supervisor's listener calls on a disconnect
            await().atMost(Duration.ofSeconds(30)).until(ended::isDone);
            assertInstanceOf(RedisConnectionException.class, ended.get());
            worker.gate.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.aftersRun.get() == 1);
            assertEquals(List.of(READ_THREAD), sentBy, "the worker sent its read for a run that had ended");
        }
    }

    @Test
    void aHandlerThatKeepsTheNextReadForAReadTimeoutLosesItToTheReadThreadAndNothingLooksOverdue() throws Exception {
        List<String> sentBy = new CopyOnWriteArrayList<>();
        try (Worker worker = new Worker()) {
            worker.gate = new CountDownLatch(1);
            // empty reads every 200 ms until the first entry comes, from the I/O thread; none while the worker holds
            Admission admission = slowReadsHeld(worker, sentBy, null, Duration.ofMillis(200), Duration.ofSeconds(1));
            CompletableFuture<Throwable> ended = start(admission);
            await().atMost(Duration.ofSeconds(10)).until(() -> sentBy.size() == 1);
            String first = redis.add(stream, "n", "1");
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.inHandler);
            int held = sentBy.size();
            String second = redis.add(stream, "n", "2");

            // read while the handler still runs on the first entry: the read thread took the read back
            await().atMost(Duration.ofSeconds(30)).until(() -> worker.handed.contains(second));
            assertEquals(READ_THREAD, sentBy.get(held), "the read after the held one: " + sentBy);
            assertFalse(ended.isDone(), "the run ended: " + ended.getNow(null));
            worker.gate.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.aftersRun.get() == 1);
            assertEquals(List.of(first, second), worker.handed);
            admission.stop();
            assertNull(ended.get(30, TimeUnit.SECONDS));
            assertFalse(sentBy.contains(Worker.NAME), "the worker sent a read it had lost: " + sentBy);
        }
    }

    @Test
    void aReadThatFailsToGoOutFromTheWorkerEndsTheRunWithItsError() throws Exception {
        IllegalStateException failure = new IllegalStateException("the worker's send failed");
        List<String> sentBy = new CopyOnWriteArrayList<>();
        try (Worker worker = new Worker()) {
            Admission admission = slowReadsHeld(worker, sentBy, failure, Duration.ofSeconds(10), Duration.ofSeconds(30));
            CompletableFuture<Throwable> ended = start(admission);
            await().atMost(Duration.ofSeconds(10)).until(() -> sentBy.size() == 1);
            redis.add(stream, 1);

            await().atMost(Duration.ofSeconds(30)).until(ended::isDone);
            assertSame(failure, ended.get());
        }
    }

    /**
     * Starts the admission and adds one entry after its first read went out, whose handler then waits on the
     * worker's gate while the worker holds the next read. The read timeout of 5 minutes rules out a take-back
     * within a test: only what the test does can end the read thread's wait.
     */
    private CompletableFuture<Throwable> holdTheNextRead(Admission admission, Worker worker, List<String> sentBy) {
        worker.gate = new CountDownLatch(1);
        CompletableFuture<Throwable> ended = start(admission);
        await().atMost(Duration.ofSeconds(10)).until(() -> sentBy.size() == 1);
        redis.add(stream, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.inHandler);
        return ended;
    }

    /**
     * The new-entries source, recording the thread of each read it sends; on the {@link Worker}'s thread it throws
     * {@code failure} instead when one is given.
     */
    private Source counting(List<String> sentBy, RuntimeException failure) {
        Source fresh = new NewSource(options);
        return new Source() {
            @Override
            public Batch next(RedisCommands<String, byte[]> commands, int count) throws InterruptedException {
                return fresh.next(commands, count);
            }

            @Override
            public Pending send(RedisCommands<String, byte[]> commands, int count, Consumer<Batch> arrived) {
                sentBy.add(Thread.currentThread().getName());
                if (failure != null && Worker.NAME.equals(Thread.currentThread().getName())) {
                    throw failure;
                }
                return fresh.send(commands, count, arrived);
            }
        };
    }

    /**
     * An admission that counts every short read as slow, so that each one's next read goes with it to an idle worker;
     * with a block-timeout of {@code block}, and {@code timeout} for a reply on the read connection. Its reads are
     * {@link #counting counted} into {@code sentBy}.
     */
    private Admission slowReadsHeld(Worker worker, List<String> sentBy, RuntimeException failure, Duration block,
            Duration timeout) {
        options = SubscriptionOptions.builder().streams(stream).group("g").consumer("c").batchSize(BATCH)
                .maxInFlight(10_000).blockTimeout(block).build();
        read.setTimeout(timeout);
        return admission(worker, counting(sentBy, failure), 0);
    }

    /**
     * The dispatcher's single worker, in small: one thread that takes the entries with the next read only when
     * nothing is queued for it, and runs the read after its handler, which waits on {@link #gate} when one is set.
     */
    private static final class Worker implements HandOff, AutoCloseable {
        static final String NAME = "test-worker";

        private final ExecutorService thread = Executors.newSingleThreadExecutor(
                task -> Thread.ofPlatform().name(NAME).daemon().unstarted(task));
        private final AtomicInteger queued = new AtomicInteger();
        /** IDs in the order they were handed off. */
        final List<String> handed = new CopyOnWriteArrayList<>();
        final AtomicInteger aftersRun = new AtomicInteger();
        volatile CountDownLatch gate;
        volatile boolean inHandler;

        @Override
        public void accept(List<StreamEntry> entries) {
            take(entries, null);
        }

        @Override
        public boolean acceptThen(List<StreamEntry> entries, Runnable after) {
            if (queued.get() > 0) {
                return false;
            }
            take(entries, after);
            return true;
        }

        private void take(List<StreamEntry> entries, Runnable after) {
            entries.forEach(entry -> handed.add(entry.id()));
            queued.incrementAndGet();
            thread.execute(() -> {
                handle();
                queued.decrementAndGet();
                if (after != null) {
                    after.run();
                    aftersRun.incrementAndGet();
                }
            });
        }

        private void handle() {
            CountDownLatch waitFor = gate;
            if (waitFor != null) {
                inHandler = true;
                try {
                    waitFor.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void close() {
            thread.shutdownNow();
        }
    }

    /** Runs the admission on a thread of its own until it returns; what it threw, or null. */
    private Throwable runToTheEnd(Admission admission) throws Exception {
        CompletableFuture<Throwable> ended = start(admission);
        await().atMost(Duration.ofSeconds(30)).until(ended::isDone);
        return ended.get();
    }

    /** Starts the admission on a thread of its own; completes with what it threw, or null, when it returns. */
    private CompletableFuture<Throwable> start(Admission admission) {
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Thread.ofPlatform().name(READ_THREAD).start(() -> {
            try {
                admission.run(read.sync(), () -> {
                });
                ended.complete(null);
            } catch (Throwable e) {
                ended.complete(e);
            }
        });
        return ended;
    }

    /** New entries only: the history source finds the own PEL empty, there is no claim, no settler is reached. */
    private Admission admission(HandOff handOff) {
        return admission(handOff, new NewSource(options));
    }

    private Admission admission(HandOff handOff, Source fresh) {
        return admission(handOff, fresh, Admission.SLOW_READ_NANOS);
    }

    private Admission admission(HandOff handOff, Source fresh, long slowReadNanos) {
        redis.commands().xgroupCreate(StreamOffset.from(stream, "0"), options.group(), XGroupCreateArgs.Builder.mkstream());
        InFlightWindow window = new InFlightWindow(options.maxInFlight(), options.streams());
        Meters metrics = new Meters(new SimpleMeterRegistry(), options.streams(), options.group(), options.consumer());
        Source noHistory = (commands, count) -> null;
        return new Admission(options, window, null, metrics, handOff, noHistory, fresh, List.of(), slowReadNanos);
    }
}
