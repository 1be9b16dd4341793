package io.rill.supervise;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

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
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.MeterRegistry;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.ack.Acknowledger;
import io.rill.checkpoint.Checkpoint;
import io.rill.connect.CommandConnection;
import io.rill.connect.Failure;
import io.rill.connect.RedisConnector;
import io.rill.deadletter.DeadLetterer;
import io.rill.dispatch.Dispatcher;
import io.rill.dispatch.Invoker;
import io.rill.janitor.Janitor;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.read.Intake;
import io.rill.read.ReadLoopTask;
import io.rill.read.Reader;
import io.rill.reclaim.LeaseRenewer;
import io.rill.reclaim.Reclaimer;
import io.rill.retry.Retrier;
import io.rill.window.InFlightWindow;

/**
 * Owns one subscription's stages and its life cycle (semantics 10, 11): opens the read connection,
 * makes sure the groups exist, runs the Reader, and on a failure backs off (exponential, jitter,
 * capped) and starts over with a fresh connection and a history read. NOGROUP recreates the group at
 * {@code $} when auto-create is on, else fails the subscription. Stop is graceful within the
 * shutdown timeout. With a checkpoint journal (semantics 4), the acks it holds from before the start
 * are XACKed before the first read, and a broken journal fails the subscription. It also wires the
 * reclaim, lease-renewal, retry, dead-letter and janitor stages (semantics 6, 7) and stops them with the
 * rest: dead letters in flight are awaited like acks.
 */
public final class Supervisor implements Subscription {

    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    /** Margin over BLOCK for a read's command timeout, so a blocked read is not mistaken for a dead one. */
    private static final Duration READ_TIMEOUT_MARGIN = Duration.ofSeconds(10);

    /** Builds the Invoker once the stages it reports to exist. */
    public interface InvokerFactory extends Function<Stages, Invoker> {
    }

    /** The stages an Invoker reports to. */
    public record Stages(Acknowledger acknowledger, InFlightWindow window, SubscriptionMetrics metrics, String description,
            Retrier retrier) {
    }

    private final SubscriptionOptions options;
    private final String id;
    private final RedisConnector connector;
    private final CommandConnection commands;
    private final InFlightWindow window;
    private final Acknowledger acknowledger;
    private final Dispatcher dispatcher;
    private final Reader reader;
    private final DeadLetterer deadLetterer;
    private final LeaseRenewer leaseRenewer;
    private final Thread readThread;
    private final Runnable onClosed;
    private final Checkpoint checkpoint;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile SubscriptionState state = SubscriptionState.STARTING;
    private volatile Instant stateSince = Instant.now();
    private volatile Throwable lastError;
    private volatile StatefulRedisConnection<String, String> readConnection;
    private volatile long readClientId = -1;
    private volatile boolean connectionLost;
    /** The close of the last read connection, awaited at the end of a stop so that nothing is left closing. */
    private volatile CompletableFuture<Void> readClosing = CompletableFuture.completedFuture(null);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private int attempt;
    private boolean shutDownStarted;

    /**
     * @param options    with the consumer name resolved (the checkpoint's)
     * @param checkpoint opened for these options; closed by this subscription when it ends
     */
    public Supervisor(SubscriptionOptions options, InvokerFactory invokers, RedisConnector connector,
            CommandConnection commands, MeterRegistry registry, ScheduledExecutorService timer, Checkpoint checkpoint,
            Runnable onClosed) {
        this.options = options;
        this.checkpoint = checkpoint;
        this.id = options.group() + "/" + options.consumer() + "/" + String.join(",", options.streams());
        this.connector = connector;
        this.commands = commands;
        this.onClosed = onClosed;
        String description = "streams " + options.streams() + " group " + options.group() + " consumer " + options.consumer();
        SubscriptionMetrics metrics = new SubscriptionMetrics(registry, options.streams(), options.group(), options.consumer());
        this.window = new InFlightWindow(options.maxInFlight(), options.streams());
        this.acknowledger = new Acknowledger(options.group(), options.streams(), description, commands, window, metrics,
                options.ackFlushSize(), options.ackFlushInterval(), timer, checkpoint.journal());
        this.deadLetterer = options.deadLetter().enabled() ? new DeadLetterer(options.deadLetter(), options.group(),
                options.consumer(), commands, window, metrics, description) : null;
        Retrier retrier = new Retrier(options.retry(), deadLetterer, options.deadLetter().maxDeliveries());
        Invoker invoker = invokers.apply(new Stages(acknowledger, window, metrics, description, retrier));
        String threadName = "rill-" + options.group() + "-" + options.consumer();
        this.dispatcher = new Dispatcher(invoker, options.concurrency(), options.orderingKey(), threadName + "-worker");
        Intake intake = new Intake(window, dispatcher, acknowledger, deadLetterer, options.deadLetter().maxDeliveries(), metrics);
        List<ReadLoopTask> tasks = new ArrayList<>();
        if (options.reclaim().enabled()) {
            tasks.add(new Reclaimer(options, window, intake, metrics, description));
        }
        if (options.janitor().enabled()) {
            tasks.add(new Janitor(options, metrics, description));
        }
        this.reader = new Reader(options, window, intake, tasks);
        // renewal runs even with reclaim off here: other consumers of the group may reclaim
        this.leaseRenewer = new LeaseRenewer(options, window, commands, metrics, timer, description);
        this.readThread = Thread.ofPlatform().name(threadName + "-reader").daemon().unstarted(this::supervise);
    }

    public void start() {
        log.info("Subscription {} starting", id);
        leaseRenewer.start();
        readThread.start();
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
        return window.size();
    }

    @Override
    public void pause() {
        if (reader.paused()) {
            return;
        }
        reader.pause();
        log.info("Subscription {} paused: no new reads; entries already read are still handled", id);
        // cut a blocked read short and wait until the read thread is parked, so that nothing is read
        // after pause() returns; at worst (the unblock overtook the read) that is one block-timeout
        long deadline = System.nanoTime() + options.blockTimeout().plus(READ_TIMEOUT_MARGIN).toNanos();
        try {
            do {
                long clientId = readClientId;
                if (clientId >= 0) {
                    commands.async().clientUnblock(clientId, UnblockType.TIMEOUT);
                }
            } while (!reader.awaitIdle(50, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.debug("Subscription {}: could not unblock the read for the pause: {}", id, e.toString());
        }
    }

    @Override
    public void resume() {
        if (!reader.paused()) {
            return;
        }
        reader.resume();
        log.info("Subscription {} resumed", id);
    }

    @Override
    public boolean paused() {
        return reader.paused();
    }

    // ---- the read thread -------------------------------------------------------------------------

    private void supervise() {
        boolean groupsChecked = false;
        while (!reader.stopping()) {
            try {
                openReadConnection();
                if (!groupsChecked) {
                    createGroups(options.startPosition().id(), false);
                    groupsChecked = true;
                    replayJournal();
                }
                reader.run(readConnection.sync(), this::readSucceeded);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                if (reader.stopping()) {
                    break; // the stop closed the connection under the read
                }
                if (!handle(connectionLost ? new RedisConnectionException("connection to Redis lost", e) : e)) {
                    break;
                }
            } finally {
                closeReadConnection();
            }
        }
    }

    /** Decides what a failure means; false when the subscription must end. */
    private boolean handle(RuntimeException error) {
        if (error instanceof JournalFailedException) {
            fail(error);
            return false;
        }
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
        int n;
        lock.lock();
        try {
            n = ++attempt;
        } finally {
            lock.unlock();
        }
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
            while (nanos > 0 && !reader.stopping()) {
                nanos = changed.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            return false;
        } finally {
            lock.unlock();
        }
        return !reader.stopping();
    }

    /**
     * XACKs what the checkpoint journal holds from before the start, before the first read, so that
     * the history read finds those entries acked. Bounded by the block timeout: whatever is not
     * confirmed by then is recognised in the history read and acked without its handler.
     */
    private void replayJournal() throws InterruptedException {
        if (checkpoint.journal() == null) {
            return;
        }
        commands.async(); // the journal's writer sends XACKs: have the command connection open before the first one
        acknowledger.flush();
        acknowledger.awaitSent(options.blockTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Thrown on the read thread when the checkpoint journal broke; fails the subscription. */
    private static final class JournalFailedException extends IllegalStateException {
        JournalFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private void readSucceeded() {
        Throwable journalFailure = acknowledger.journalFailure();
        if (journalFailure != null) {
            throw new JournalFailedException("checkpoint journal of " + id + " failed (" + journalFailure
                    + "); acks were sent without it. Fix the disk under checkpoint.directory and restart the "
                    + "subscription, or set checkpoint.journal to off", journalFailure);
        }
        if (state != SubscriptionState.RUNNING) {
            lock.lock();
            try {
                attempt = 0;
            } finally {
                lock.unlock();
            }
            transition(SubscriptionState.RUNNING, null);
        }
    }

    private void openReadConnection() {
        if (readConnection != null && readConnection.isOpen()) {
            return;
        }
        StatefulRedisConnection<String, String> connection = connector.connect();
        connection.setTimeout(options.blockTimeout().plus(READ_TIMEOUT_MARGIN));
        // Lettuce would reconnect and replay the read; we want the failure, a backoff and a history read
        connection.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                if (readConnection == connection) { // not when we closed it ourselves
                    connectionLost = true;
                    readClosing = connection.closeAsync();
                }
            }
        });
        connectionLost = false;
        readConnection = connection;
        readClientId = connection.sync().clientId();
    }

    private void closeReadConnection() {
        StatefulRedisConnection<String, String> connection = readConnection;
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
        RedisCommands<String, String> sync = readConnection.sync();
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
        reader.stop();
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
        reader.stop();
        window.close();
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

    /** Ends a read blocked in Redis with CLIENT UNBLOCK; closes the connection if that is not enough. */
    private void stopReader(long deadline) {
        if (Thread.currentThread() == readThread) {
            return;
        }
        try {
            while (readThread.isAlive() && System.nanoTime() < deadline) {
                long clientId = readClientId;
                if (clientId >= 0) {
                    try {
                        commands.async().clientUnblock(clientId, UnblockType.TIMEOUT);
                    } catch (RuntimeException e) {
                        break; // Redis unreachable: closing the connection below ends the read
                    }
                }
                // the unblock may reach Redis before the read does: repeat until the thread is out
                readThread.join(50);
            }
            if (readThread.isAlive()) {
                closeReadConnection();
                readThread.join(TimeUnit.SECONDS.toMillis(1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets handlers finish, flushes their acks and waits for Redis to confirm them, until the deadline. */
    private void shutDownStages(long deadline) {
        try {
            boolean finished = dispatcher.drain(deadline);
            acknowledger.flush();
            long remaining = deadline - System.nanoTime();
            boolean acked = acknowledger.awaitSent(Math.max(0, remaining), TimeUnit.NANOSECONDS);
            if (deadLetterer != null) {
                acked &= deadLetterer.awaitDone(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            if (!finished || !acked) {
                log.warn("Subscription {} stopped before everything finished (handlers done: {}, acks confirmed: {}); "
                        + "what did not finish stays pending in Redis", id, finished, acked);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            leaseRenewer.stop();
            acknowledger.stop();
            awaitReadConnectionClosed();
        }
    }

    private void awaitReadConnectionClosed() {
        try {
            readClosing.get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("Subscription {}: read connection did not close cleanly: {}", id, e.toString());
        }
    }
}
