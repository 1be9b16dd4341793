package io.rill.internal.settle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.rill.Output;
import io.rill.StreamEntry;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.connect.Failure;
import io.rill.internal.metrics.Meters;
import io.rill.internal.output.Commit;
import io.rill.internal.output.CommitScript;
import io.rill.internal.window.InFlightWindow;

/**
 * Commits handled inputs with their outputs (semantics 12, ADR 0020), batched like the acks of
 * {@link AckBatcher}: per input stream, commits gather until {@code flushSize} are waiting or the flush
 * interval passes, and go out as one {@link CommitScript} call on the command connection. One call per
 * stream is on its way at a time, so outputs are written in the order their inputs were committed, and
 * what gathers while it is answered goes out from its callback in one call (under load a call grows with
 * the round trip instead of calls multiplying). A confirmed call gives the inputs' in-flight slots back.
 *
 * <p>A call that fails (connection lost, timeout) puts its commits back in front, to go out again with the
 * next flush; the inputs stay in flight and pending in Redis. Sending one again is always safe: the script
 * writes an input's outputs only when its XACK acknowledged it, so a call that did run, and whose answer
 * was lost, writes nothing the second time. An output to a key holding another type is refused by the
 * script before it writes anything: the inputs with outputs to it fail like a handler failure (counted,
 * dead-lettered at max-failures); the others are sent again.
 *
 * <p>The checkpoint journal is not used: the commit point is the script, and an input is never journaled
 * before it (see ADR 0020).
 */
final class OutputBatcher {

    private static final Logger log = LoggerFactory.getLogger(OutputBatcher.class);

    /**
     * Test hook of the fault suite (internal, undocumented): the JVM halts right before sending its n-th
     * commit call, the script ready, so that a kill between "commit ready" and the commit is reproduced.
     */
    private static final int HALT_BEFORE_COMMIT = Integer.getInteger("rill.internal.halt-before-commit", 0);
    private static final AtomicInteger CALLS = new AtomicInteger();

    private final String group;
    private final String description;
    private final CommandConnection connection;
    private final InFlightWindow window;
    private final Meters metrics;
    private final int flushSize;
    private final FlushTimer interval;
    private final Consumer<RuntimeException> fatal;
    /** Told of inputs the script refused: they fail like a handler failure. */
    private final Consumer<Map<StreamEntry, Throwable>> refused;
    private final Map<String, List<Commit>> waiting = new HashMap<>(); // guarded by this
    /** Streams with a call on its way; guarded by this. */
    private final Map<String, Boolean> sending = new HashMap<>();
    private int outstanding; // guarded by this
    private boolean failing; // guarded by this
    private boolean permanent; // guarded by this

    OutputBatcher(String group, String description, CommandConnection connection, InFlightWindow window, Meters metrics,
            int flushSize, Duration flushInterval, ScheduledExecutorService timer, Consumer<RuntimeException> fatal,
            Consumer<Map<StreamEntry, Throwable>> refused) {
        this.group = group;
        this.description = description;
        this.connection = connection;
        this.window = window;
        this.metrics = metrics;
        this.flushSize = flushSize;
        this.interval = new FlushTimer(timer, flushInterval, this::flush, this::hasWaiting,
                "Output commit flush for " + description);
        this.fatal = fatal;
        this.refused = refused;
    }

    /** Queues the commit of one handled input. */
    void commit(Commit commit) {
        String stream = commit.input().stream();
        List<Commit> ready = null;
        synchronized (this) {
            List<Commit> queue = waiting.computeIfAbsent(stream, s -> new ArrayList<>());
            queue.add(commit);
            if (queue.size() >= flushSize && !sending.getOrDefault(stream, false)) {
                ready = take(stream);
            }
        }
        interval.arm();
        if (ready != null) {
            send(stream, ready);
        }
    }

    /** Sends what is waiting on every stream that has no call on its way (the others follow from its callback). */
    void flush() {
        Map<String, List<Commit>> ready = new LinkedHashMap<>();
        synchronized (this) {
            for (String stream : waiting.keySet()) {
                if (!waiting.get(stream).isEmpty() && !sending.getOrDefault(stream, false)) {
                    ready.put(stream, null);
                }
            }
            ready.replaceAll((stream, none) -> take(stream));
        }
        ready.forEach(this::send);
    }

    /** Commits waiting or on their way. */
    synchronized int pending() {
        int n = outstanding;
        for (List<Commit> queue : waiting.values()) {
            n += queue.size();
        }
        return n;
    }

    /** Waits until every commit queued so far is confirmed, the timeout passes, or Redis refused a call for good. */
    synchronized boolean awaitSent(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (pending() > 0 && !permanent) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
        }
        return pending() == 0;
    }

    void stop() {
        interval.stop();
    }

    /** Whether commits wait (or wait again after a failure) for a flush. */
    private synchronized boolean hasWaiting() {
        for (List<Commit> queue : waiting.values()) {
            if (!queue.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Takes a stream's waiting commits, at most a few flushes' worth, for one call; call holding the lock. */
    private List<Commit> take(String stream) {
        List<Commit> queue = waiting.get(stream);
        int n = Math.min(queue.size(), Math.max(flushSize, 1) * 4);
        List<Commit> taken = new ArrayList<>(queue.subList(0, n));
        queue.subList(0, n).clear();
        sending.put(stream, true);
        outstanding += taken.size();
        return taken;
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private void send(String stream, List<Commit> commits) {
        CommitScript.Call call = CommitScript.of(stream, FailureLedger.key(stream, group), group, commits);
        CompletableFuture<RedisAsyncCommands<String, String>> ready;
        try {
            ready = connection.ready();
        } catch (RuntimeException e) {
            failed(stream, commits, e, null);
            return;
        }
        ready.whenComplete((commands, notConnected) -> {
            if (notConnected != null) {
                failed(stream, commits, notConnected, null);
                return;
            }
            if (HALT_BEFORE_COMMIT > 0 && CALLS.incrementAndGet() == HALT_BEFORE_COMMIT) {
                Runtime.getRuntime().halt(86);
            }
            evaluate(commands, call, true).whenComplete((reply, error) -> {
                if (error != null && String.valueOf(Failure.unwrap(error).getMessage()).startsWith("NOSCRIPT")) {
                    evaluate(commands, call, false).whenComplete((again, e) -> answered(stream, commits, call, again, e, commands));
                    return;
                }
                answered(stream, commits, call, reply, error, commands);
            });
        });
    }

    /** EVALSHA (or EVAL) with binary keys and values, whatever the connection's codec. */
    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static CompletableFuture<List<Object>> evaluate(RedisAsyncCommands<String, String> commands, CommitScript.Call call,
            boolean bySha) {
        try {
            CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE);
            args.add(bySha ? CommitScript.SHA : CommitScript.SOURCE).add(call.keys().size());
            call.keys().forEach(args::addKey);
            call.args().forEach(args::addValue);
            RedisFuture<List<Object>> reply = ((RedisAsyncCommands) commands).dispatch(bySha ? CommandType.EVALSHA : CommandType.EVAL,
                    new NestedMultiOutput<>(ByteArrayCodec.INSTANCE), args);
            return reply.toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void answered(String stream, List<Commit> commits, CommitScript.Call call, List<Object> reply, Throwable error,
            RedisAsyncCommands<String, String> used) {
        if (error != null) {
            failed(stream, commits, error, used);
            return;
        }
        long first = (Long) reply.get(0);
        if (first < 0) {
            String key = call.outputStreams().get((int) ((Long) reply.get(1) - 3));
            rejected(stream, commits, key);
            return;
        }
        long skipped = (Long) reply.get(1);
        List<String> ids = new ArrayList<>(commits.size());
        commits.forEach(c -> ids.add(c.input().id()));
        window.release(stream, ids);
        metrics.stream(stream).acked(first);
        if (skipped > 0) {
            metrics.stream(stream).deduplicated((int) skipped);
            log.debug("{} inputs of {} for {} were acknowledged already: their outputs were not written again", skipped,
                    stream, description);
        }
        boolean recovered;
        List<Commit> next;
        synchronized (this) {
            outstanding -= commits.size();
            recovered = failing;
            failing = false;
            sending.put(stream, false);
            next = waiting.get(stream).isEmpty() ? null : take(stream);
            notifyAll();
        }
        if (recovered) {
            log.info("Output commits flowing again for {}", description);
        }
        if (next != null) {
            send(stream, next); // what gathered while this call was on its way
        }
    }

    /** The script refused an output key (another type): its inputs fail, the others go out again. */
    private void rejected(String stream, List<Commit> commits, String key) {
        Map<StreamEntry, Throwable> failures = new LinkedHashMap<>();
        List<Commit> others = new ArrayList<>();
        for (Commit commit : commits) {
            if (commit.outputs().stream().map(Output::stream).anyMatch(key::equals)) {
                failures.put(commit.input(), new IllegalStateException("output stream '" + key + "' holds a key of "
                        + "another type in Redis: nothing was written for " + stream + " " + commit.input().id()
                        + "; delete or rename that key, or send the outputs elsewhere"));
            } else {
                others.add(commit);
            }
        }
        log.warn("Output key '{}' of {} is not a stream: {} inputs fail, nothing was written for them", key, description,
                failures.size());
        synchronized (this) {
            outstanding -= commits.size();
            sending.put(stream, false);
            waiting.get(stream).addAll(0, others);
            notifyAll();
        }
        refused.accept(failures);
        flush();
    }

    private void failed(String stream, List<Commit> commits, Throwable error, RedisAsyncCommands<String, String> used) {
        boolean fatalError = Failure.of(error) == Failure.FATAL;
        boolean first;
        synchronized (this) {
            waiting.get(stream).addAll(0, commits);
            outstanding -= commits.size();
            sending.put(stream, false);
            first = !failing;
            failing = true;
            if (fatalError) {
                permanent = true;
            }
            notifyAll();
        }
        interval.arm(); // the next flush sends them again
        metrics.stream(stream).ackFailed(commits.size());
        if (first) {
            log.warn("Output commit failed for {} on stream {}; {} inputs kept (in flight, pending in Redis) and sent "
                    + "again with the next flush: {}", description, stream, commits.size(), error.toString());
        }
        connection.failed(used, error);
        if (fatalError) {
            fatal.accept(new IllegalStateException("Redis refuses the output commit on stream " + stream + " for "
                    + description + " (" + Failure.unwrap(error).getMessage() + "): outputs can't be written; give the "
                    + "user the permissions docs/operations.md lists (EVALSHA, XACK, XADD, HDEL, TYPE)", Failure.unwrap(error)));
        }
    }
}
