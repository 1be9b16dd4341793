package io.rill.internal.supervise;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.UnblockType;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.internal.admit.Admission;
import io.rill.internal.checkpoint.Checkpoint;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.connect.EntryCodec;
import io.rill.internal.connect.Failure;
import io.rill.internal.connect.RedisConnector;

/**
 * The life cycle of one subscription (semantics 10, 11): opens the read connection, makes sure the
 * groups exist, runs the {@link Admission} loop, and on a failure backs off (exponential, jitter,
 * capped) and starts over with a fresh connection and a history read. NOGROUP recreates the group at
 * {@code $} when auto-create is on, else fails the subscription. A failure another stage reports (the
 * checkpoint journal broke, a worker died), and an error that ends the read thread, fail the
 * subscription. Stop is graceful within the shutdown timeout; the other stages are stopped through the
 * {@link Stages} the pipeline gives.
 */
public final class Supervisor implements Subscription {

    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    /** Margin over BLOCK for a read's command timeout, so a blocked read is not mistaken for a dead one. */
    private static final Duration READ_TIMEOUT_MARGIN = Duration.ofSeconds(10);
    /**
     * READONLY answers on this many fresh read connections in a row fail the subscription: the address
     * keeps leading to a replica (16 to 33 s with the default backoff; a larger backoff.max makes it longer).
     */
    static final int READ_ONLY_ATTEMPTS = 10;
    /** The longest a stop tries CLIENT UNBLOCK before it closes the read connection under a blocked read. */
    private static final long UNBLOCK_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** What the supervisor needs of the other stages, built by the pipeline. */
    public interface Stages {
        /** Starts the timers (ack flush, lease renewal, janitor). */
        void start();

        /** Runs once the groups exist, before the first read (journal replay). */
        void beforeFirstRead() throws InterruptedException;

        /**
         * Runs before reading, on start and after every reconnect: claims the consumer identity in Redis.
         * Throws what the supervisor then classifies; an identity another process holds is reported first.
         */
        void beforeReads() throws InterruptedException;

        /**
         * Lets handlers finish, settles what they finished and stops every stage, by the deadline.
         *
         * @return true when everything finished in time
         */
        boolean shutDown(long deadlineNanos) throws InterruptedException;

        /** Entries in flight now. */
        int inFlight();

        /** Wakes every wait on in-flight capacity, for good. */
        void closeWindow();
    }

    private final SubscriptionOptions options;
    private final String id;
    private final RedisConnector connector;
    private final CommandConnection commands;
    private final Admission admission;
    private final Stages stages;
    private final Thread readThread;
    private final Runnable onClosed;
    private final Checkpoint checkpoint;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile SubscriptionState state = SubscriptionState.STARTING;
    private volatile Instant stateSince = Instant.now();
    private volatile Throwable lastError;
    /** A failure reported by another stage; the read thread fails the subscription with it. */
    private volatile RuntimeException reported;
    private volatile StatefulRedisConnection<String, byte[]> readConnection;
    private volatile long readClientId = -1;
    private volatile boolean connectionLost;
    /** The close of the last read connection, awaited at the end of a stop so that nothing is left closing. */
    private volatile CompletableFuture<Void> readClosing = CompletableFuture.completedFuture(null);
    private final CountDownLatch terminated = new CountDownLatch(1);
    /** Failed attempts since the last read Redis answered; the read thread's only. */
    private int attempt;
    /** Of those, READONLY answers in a row; the read thread's only. */
    private int readOnlyAttempts;
    private boolean shutDownStarted;

    /**
     * @param options    with the consumer name resolved (the checkpoint's)
     * @param checkpoint opened for these options; closed by this subscription when it ends
     */
    public Supervisor(SubscriptionOptions options, String id, Admission admission, Stages stages, RedisConnector connector,
            CommandConnection commands, Checkpoint checkpoint, Runnable onClosed) {
        this.options = options;
        this.id = id;
        this.admission = admission;
        this.stages = stages;
        this.checkpoint = checkpoint;
        this.connector = connector;
        this.commands = commands;
        this.onClosed = onClosed;
        this.readThread = Thread.ofPlatform().name("rill-" + options.group() + "-" + options.consumer() + "-reader").daemon()
                .unstarted(this::supervise);
    }

    public void start() {
        log.info("Subscription {} starting", id);
        warnOfATightWindow();
        stages.start();
        readThread.start();
    }

    /**
     * A window that can't hold one full read while two ack flushes are still on their way makes the reader
     * wait for XACK round trips instead of the handler. Derived values never do; a hand-set max-in-flight
     * or ack-flush-size can: said once at start, not refused, since the subscription still works.
     */
    private void warnOfATightWindow() {
        int streamsRead = options.streams().size() * options.partitions();
        long needed = (long) options.batchSize() * streamsRead + 2L * options.ackFlushSize();
        if (options.maxInFlight() < needed) {
            log.warn("Subscription {}: max-in-flight {} holds less than one full read (batch-size {} for each of {} stream keys) "
                    + "plus two ack flushes (ack-flush-size {} each): the reader will wait for XACK round trips between reads. "
                    + "Set max-in-flight to at least {}, lower ack-flush-size, or leave both unset to have them derived",
                    id, options.maxInFlight(), options.batchSize(), streamsRead, options.ackFlushSize(), needed);
        }
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public SubscriptionOptions options() {
        return options;
    }

    @Override
    public SubscriptionState state() {
        return state;
    }

    @Override
    public Instant stateSince() {
        return stateSince;
    }

    @Override
    public Optional<Throwable> lastError() {
        return Optional.ofNullable(lastError);
    }

    @Override
    public int inFlight() {
        return stages.inFlight();
    }

    @Override
    public void pause() {
        if (admission.paused()) {
            return;
        }
        admission.pause();
        log.info("Subscription {} paused: no new reads; entries already read are still handled", id);
        // cut a blocked read short and wait until the read thread is parked, so that nothing is read
        // after pause() returns; at worst (the unblock overtook the read) that is one block-timeout
        long deadline = System.nanoTime() + options.blockTimeout().plus(READ_TIMEOUT_MARGIN).toNanos();
        try {
            do {
                unblockRead();
            } while (!admission.awaitIdle(50, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void resume() {
        if (!admission.paused()) {
            return;
        }
        admission.resume();
        log.info("Subscription {} resumed", id);
    }

    @Override
    public boolean paused() {
        return admission.paused();
    }

    // ---- the read thread -------------------------------------------------------------------------

    private void supervise() {
        boolean groupsChecked = false;
        while (!admission.stopping()) {
            try {
                openReadConnection();
                stages.beforeReads();
                if (!groupsChecked) {
                    createGroups(options.startPosition().id(), false);
                    groupsChecked = true;
                    stages.beforeFirstRead();
                }
                admission.run(readConnection.sync(), this::readSucceeded);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                if (admission.stopping()) {
                    break; // the stop closed the connection under the read
                }
                if (!handle(connectionLost ? new RedisConnectionException("connection to Redis lost", e) : e)) {
                    break;
                }
            } catch (Throwable e) {
                // an Error on the read thread (out of memory, a bug of ours): never end silently
                report(new IllegalStateException("the read thread of " + id + " died (" + e + "); the subscription stops",
                        e));
                break;
            } finally {
                closeReadConnection();
            }
        }
        RuntimeException failure = reported;
        if (failure != null) {
            fail(failure);
        }
    }

    /**
     * Another stage reports an error retrying cannot fix: the read loop ends and the subscription fails
     * with it. Returns at once; callable from any thread.
     */
    public void report(RuntimeException error) {
        if (reported != null || state.isTerminal()) {
            return;
        }
        reported = error;
        admission.stop();
        unblockRead();
    }

    /**
     * A failure of some entries worth showing in {@code lastError} (a handler past handler-timeout): the
     * state does not change. Callable from any thread.
     */
    public void entryFailed(Throwable error) {
        if (!state.isTerminal()) {
            lastError = error;
        }
    }

    /** Decides what a failure means; false when the subscription must end. */
    private boolean handle(RuntimeException error) {
        switch (Failure.of(error)) {
            case FATAL -> {
                fail(error);
                return false;
            }
            case NO_GROUP -> {
                if (!options.autoCreate()) {
                    fail(new IllegalStateException("Group '" + options.group() + "' does not exist on stream(s) "
                            + options.streams() + " and auto-create is off: create it (XGROUP CREATE <stream> "
                            + options.group() + " $ MKSTREAM) or turn auto-create on", Failure.unwrap(error)));
                    return false;
                }
                // a group that keeps disappearing (or a recreate that keeps failing) backs off like any other
                // failure: each recreate waits backoff(attempt), growing until a read succeeds again
                Duration delay = options.backoff().delay(++attempt);
                log.debug("Subscription {}: group missing, recreating it in {} (attempt {})", id, delay, attempt);
                if (!pause(delay)) {
                    return false;
                }
                try {
                    openReadConnection();
                    // never from 0: a recreated group must not hand out the stream's history again
                    createGroups("$", true);
                    return true;
                } catch (RuntimeException e) {
                    return recover(e);
                }
            }
            default -> {
                return recover(error);
            }
        }
    }

    private boolean recover(RuntimeException error) {
        lastError = Failure.unwrap(error);
        readOnlyAttempts = Failure.readOnly(error) ? readOnlyAttempts + 1 : 0;
        if (readOnlyAttempts >= READ_ONLY_ATTEMPTS) {
            fail(new IllegalStateException("Redis answers READONLY to " + id + " on " + readOnlyAttempts + " connections "
                    + "in a row (" + lastError.getMessage() + "): the address leads to a replica, not the master. Point "
                    + "the client at the master (or at Sentinel, which follows failovers)", lastError));
            return false;
        }
        int n = ++attempt;
        transition(SubscriptionState.RECOVERING, lastError);
        Duration delay = options.backoff().delay(n);
        log.debug("Subscription {} retrying in {} (attempt {})", id, delay, n);
        return pause(delay);
    }

    /** Waits for the backoff delay; false when a stop came first. */
    private boolean pause(Duration delay) {
        long nanos = delay.toNanos();
        lock.lock();
        try {
            while (nanos > 0 && !admission.stopping()) {
                nanos = changed.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            return false;
        } finally {
            lock.unlock();
        }
        return !admission.stopping();
    }

    private void readSucceeded() {
        attempt = 0;
        readOnlyAttempts = 0;
        if (state != SubscriptionState.RUNNING) {
            transition(SubscriptionState.RUNNING, null);
        }
    }

    private void openReadConnection() {
        if (readConnection != null && readConnection.isOpen()) {
            return;
        }
        StatefulRedisConnection<String, byte[]> connection = connector.connect(EntryCodec.INSTANCE);
        connection.setTimeout(options.blockTimeout().plus(READ_TIMEOUT_MARGIN));
        // Lettuce would reconnect and replay the read; we want the failure, a backoff and a history read
        connection.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                if (readConnection == connection) { // not when we closed it ourselves
                    connectionLost = true;
                    readClosing = connection.closeAsync();
                    admission.readConnectionLost(); // a next read a worker holds would not fail by itself
                }
            }
        });
        connectionLost = false;
        readConnection = connection;
        readClientId = connection.sync().clientId();
    }

    private void closeReadConnection() {
        StatefulRedisConnection<String, byte[]> connection = readConnection;
        readConnection = null;
        readClientId = -1;
        if (connection != null && !connectionLost) { // a lost connection was closed by its listener
            readClosing = connection.closeAsync();
        }
    }

    /** XGROUP CREATE ... MKSTREAM for every stream (auto-create on); an existing group is left as it is. */
    private void createGroups(String startId, boolean recreating) {
        if (!options.autoCreate()) {
            return;
        }
        RedisCommands<String, byte[]> sync = readConnection.sync();
        for (String stream : options.streams()) {
            try {
                sync.xgroupCreate(StreamOffset.from(stream, startId), options.group(), XGroupCreateArgs.Builder.mkstream());
                if (recreating) {
                    log.warn("Group '{}' was missing on stream '{}' (stream deleted or group destroyed); recreated it at $ "
                            + "for consumer {}: entries added to the stream before now are not read", options.group(), stream,
                            options.consumer());
                } else {
                    log.info("Created group '{}' on stream '{}' at {}", options.group(), stream, startId);
                }
            } catch (RedisCommandExecutionException e) {
                if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
                    throw e;
                }
            }
        }
    }

    private void fail(Throwable error) {
        lastError = Failure.unwrap(error);
        transition(SubscriptionState.FAILED, lastError);
        admission.stop();
        shutDown(System.nanoTime() + options.shutdownTimeout().toNanos());
    }

    private void transition(SubscriptionState next, Throwable cause) {
        SubscriptionState previous;
        lock.lock();
        try {
            previous = state;
            if (previous == next || previous.isTerminal()
                    || (previous == SubscriptionState.STOPPING && next != SubscriptionState.STOPPED
                            && next != SubscriptionState.FAILED)) {
                return;
            }
            state = next;
            stateSince = Instant.now();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        switch (next) {
            case RECOVERING -> log.warn("Subscription {}: {} -> RECOVERING: {}", id, previous, String.valueOf(cause));
            case FAILED -> log.error("Subscription {}: {} -> FAILED", id, previous, cause);
            default -> log.info("Subscription {}: {} -> {}", id, previous, next);
        }
    }

    // ---- stop ------------------------------------------------------------------------------------

    @Override
    public void close(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        admission.stop();
        stages.closeWindow();
        lock.lock();
        try {
            changed.signalAll(); // ends a backoff pause
        } finally {
            lock.unlock();
        }
        stopReader(deadline);
        // STOPPING is announced once the reads have ended: from here on nothing new is read
        transition(SubscriptionState.STOPPING, null);
        shutDown(deadline);
        try {
            // a concurrent close, or a failure on the read thread, may be finishing the same stop
            terminated.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transition(SubscriptionState.STOPPED, null);
    }

    /** Stops the stages once, whoever gets here first: a close, or a failure on the read thread. */
    private void shutDown(long deadline) {
        lock.lock();
        try {
            if (shutDownStarted) {
                return;
            }
            shutDownStarted = true;
        } finally {
            lock.unlock();
        }
        try {
            shutDownStages(deadline);
        } finally {
            checkpoint.close(); // after the last ack: what was not confirmed stays in the journal for the next start
            terminated.countDown();
            onClosed.run();
        }
    }

    /**
     * Cuts a blocked read short with CLIENT UNBLOCK, sent without waiting, never waiting for a connect
     * either; false when it could not be sent (the command connection is not there yet: a connect starts).
     */
    private boolean unblockRead() {
        long clientId = readClientId;
        if (clientId < 0) {
            return true;
        }
        try {
            RedisAsyncCommands<String, String> async = commands.asyncIfConnected();
            if (async == null) {
                return false;
            }
            async.clientUnblock(clientId, UnblockType.TIMEOUT);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Ends a read blocked in Redis with CLIENT UNBLOCK; closes the connection if that is not enough within
     * a quarter of the stop's time (at most a second), so that a Redis that does not answer leaves the
     * handlers the rest. Never waits past the deadline.
     */
    private void stopReader(long deadline) {
        if (Thread.currentThread() == readThread) {
            return;
        }
        try {
            long now = System.nanoTime();
            long unblockEnd = now + Math.min(Math.max(0, deadline - now) / 4, UNBLOCK_NANOS);
            while (readThread.isAlive() && System.nanoTime() < unblockEnd) {
                if (!unblockRead()) {
                    break; // Redis unreachable: closing the connection below ends the read
                }
                // the unblock may reach Redis before the read does: repeat until the thread is out
                TimeUnit.NANOSECONDS.timedJoin(readThread, Math.min(TimeUnit.MILLISECONDS.toNanos(50),
                        Math.max(1, unblockEnd - System.nanoTime())));
            }
            if (readThread.isAlive()) {
                closeReadConnection();
                long remaining = Math.min(deadline - System.nanoTime(), UNBLOCK_NANOS);
                if (remaining > 0) {
                    TimeUnit.NANOSECONDS.timedJoin(readThread, remaining);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets the stages finish until the deadline, then waits for the read connection to close. */
    private void shutDownStages(long deadline) {
        try {
            if (!stages.shutDown(deadline)) {
                log.warn("Subscription {} stopped before everything finished; what did not finish stays pending in Redis", id);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            awaitReadConnectionClosed(deadline);
        }
    }

    /** Waits for the read connection's close until the deadline (at most a second): never past it. */
    private void awaitReadConnectionClosed(long deadline) {
        try {
            readClosing.get(Math.max(0, Math.min(deadline - System.nanoTime(), UNBLOCK_NANOS)), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("Subscription {}: read connection did not close cleanly: {}", id, e.toString());
        }
    }
}
