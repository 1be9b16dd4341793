package io.rill.internal.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.rill.StreamEntry;

/**
 * Hands read entries to the handler on {@code concurrency} worker threads (semantics 8).
 * <ul>
 *   <li>concurrency 1: one worker takes whole batches, so entries run in stream order;</li>
 *   <li>with an ordering key: each worker owns a lane and an entry goes to the lane its key hashes to,
 *       so equal keys run in stream order and different keys in parallel;</li>
 *   <li>otherwise: the workers share one queue of entries (or of batches, for a batch handler).</li>
 * </ul>
 * Queues are unbounded because the in-flight window already bounds what the admission can hand over. A single
 * worker waiting for work may also be handed the next read with a read's entries, which it sends after its
 * handler ({@link #dispatchThen}).
 */
public final class Dispatcher {

    /** Tells a worker to stop; a unique instance, compared by identity. */
    private static final List<StreamEntry> STOP = new ArrayList<>(0);

    private final Invoker invoker;
    private final String orderingKey;
    private final boolean shared;
    private final List<BlockingQueue<List<StreamEntry>>> queues;
    private final List<Thread> workers;
    private final Consumer<Throwable> onDeath;
    private final Watchdog watchdog;
    /** With one worker: true while it waits for work. */
    private volatile boolean idle;
    /** With one worker: what it runs after handling the entries it was handed with (see {@link #dispatchThen}). */
    private volatile Then then;

    /** {@code after}, to run once {@code entries} (compared by identity) were handled. */
    private record Then(List<StreamEntry> entries, Runnable after) {
    }

    /**
     * @param watchdog handler-timeout; null when it is off
     * @param onDeath  told when a worker ends by an error of Rill's own (a handler's errors never end it):
     *                 the subscription cannot go on with a lane that nobody works
     */
    public Dispatcher(Invoker invoker, int concurrency, String orderingKey, String threadName, Watchdog watchdog,
            Consumer<Throwable> onDeath) {
        this.invoker = invoker;
        this.watchdog = watchdog;
        this.onDeath = onDeath;
        this.orderingKey = orderingKey;
        this.shared = concurrency > 1 && orderingKey == null;
        int queueCount = shared ? 1 : concurrency;
        this.queues = new ArrayList<>(queueCount);
        for (int i = 0; i < queueCount; i++) {
            queues.add(new LinkedBlockingQueue<>());
        }
        this.workers = new ArrayList<>(concurrency);
        for (int i = 0; i < concurrency; i++) {
            BlockingQueue<List<StreamEntry>> queue = queues.get(shared ? 0 : i);
            Thread worker = Thread.ofPlatform().name(threadName + "-" + i).daemon().unstarted(() -> work(queue));
            workers.add(worker);
        }
        workers.forEach(Thread::start);
    }

    /** Queues the entries of one read; never blocks. */
    public void dispatch(List<StreamEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        if (queues.size() == 1 && !shared) {
            queues.get(0).add(entries);
        } else if (shared) {
            BlockingQueue<List<StreamEntry>> queue = queues.get(0);
            if (invoker.batched()) {
                queue.add(entries);
            } else {
                for (StreamEntry entry : entries) {
                    queue.add(List.of(entry));
                }
            }
        } else {
            dispatchByKey(entries);
        }
    }

    /**
     * Queues the entries of one read for the only worker if it waits for work with nothing queued, and has it run
     * {@code after} on its thread once it handled them; false, queuing nothing, with several workers or a busy one.
     */
    public boolean dispatchThen(List<StreamEntry> entries, Runnable after) {
        if (workers.size() != 1 || entries.isEmpty() || !idle || !queues.get(0).isEmpty()) {
            return false;
        }
        then = new Then(entries, after); // before the entries: the worker reads it once it took them
        queues.get(0).add(entries);
        return true;
    }

    private void dispatchByKey(List<StreamEntry> entries) {
        int lanes = queues.size();
        @SuppressWarnings("unchecked")
        List<StreamEntry>[] byLane = new List[lanes];
        for (StreamEntry entry : entries) {
            int lane = lane(entry, orderingKey, lanes);
            if (byLane[lane] == null) {
                byLane[lane] = new ArrayList<>();
            }
            byLane[lane].add(entry);
        }
        for (int i = 0; i < lanes; i++) {
            if (byLane[i] != null) {
                queues.get(i).add(byLane[i]);
            }
        }
    }

    /** The lane of an entry: by its ordering key's value; entries without one have nothing to keep in order with, so by ID. */
    static int lane(StreamEntry entry, String orderingKey, int lanes) {
        String key = entry.field(orderingKey);
        return Math.floorMod(key != null ? key.hashCode() : entry.id().hashCode(), lanes);
    }

    /**
     * Lets the workers finish what was queued and stop, waiting until {@code deadlineNanos}; then halts
     * the invoker and interrupts the workers still running, and waits for them until {@code graceEndNanos}.
     * Entries they did not reach are given back to the window unhandled, and so are entries waiting for a
     * retry; after the deadline no handler call starts. A handler that ignores the interrupt is left
     * behind (a daemon thread); its entry stays pending.
     *
     * @return true when every worker finished by the deadline
     */
    public boolean drain(long deadlineNanos, long graceEndNanos) throws InterruptedException {
        invoker.stopRetrying(); // an entry waiting for its next attempt stays pending instead
        for (int i = 0; i < workers.size(); i++) {
            queues.get(shared ? 0 : i).add(STOP);
        }
        for (Thread worker : workers) {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining > 0) {
                TimeUnit.NANOSECONDS.timedJoin(worker, remaining);
            }
        }
        List<Thread> alive = workers.stream().filter(Thread::isAlive).toList();
        boolean finished = alive.isEmpty();
        if (watchdog != null) {
            watchdog.stop(); // from here on a stop's deadline, not handler-timeout, ends handler calls
        }
        if (!finished) {
            // from here on no handler call starts and no outcome is settled, whatever a handler does with
            // the interrupt (swallow it, wrap it): what is left stays pending in Redis
            invoker.halt();
            alive.forEach(Thread::interrupt);
            for (Thread worker : alive) {
                long remaining = graceEndNanos - System.nanoTime();
                if (remaining > 0) {
                    TimeUnit.NANOSECONDS.timedJoin(worker, remaining);
                }
            }
        }
        return finished;
    }

    private void work(BlockingQueue<List<StreamEntry>> queue) {
        Watchdog.Call watch = watchdog != null ? watchdog.register() : null;
        boolean single = workers.size() == 1;
        try {
            while (true) {
                if (single) {
                    idle = true;
                }
                List<StreamEntry> entries = queue.take();
                if (single) {
                    idle = false;
                }
                if (entries == STOP) {
                    return;
                }
                try {
                    invoker.invoke(entries, watch);
                    Then next = single ? then : null;
                    if (next != null && next.entries == entries) {
                        then = null;
                        next.after.run();
                    }
                } finally {
                    invoker.endUnit(); // the MDC keys kept between its calls go
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
            }
        } catch (InterruptedException e) {
            abandonQueued(queue); // stop timed out: what is still queued is not run; it stays pending in Redis
        } catch (Throwable e) {
            abandonQueued(queue);
            onDeath.accept(e);
        } finally {
            if (watch != null) {
                watchdog.unregister(watch);
            }
        }
    }

    private void abandonQueued(BlockingQueue<List<StreamEntry>> queue) {
        List<List<StreamEntry>> rest = new ArrayList<>();
        queue.drainTo(rest);
        for (List<StreamEntry> entries : rest) {
            if (entries != STOP) {
                invoker.abandon(entries);
            }
        }
    }
}
