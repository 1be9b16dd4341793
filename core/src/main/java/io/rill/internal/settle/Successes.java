package io.rill.internal.settle;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import io.rill.StreamEntry;

/**
 * Where one worker's successes of first deliveries gather during one unit of work, so that they reach the
 * acks in runs instead of one lock of the shared ack queue per entry (a third of the worker's CPU in the
 * throughput profile). They leave when {@code ack-flush-size} gathered, when the worker closes the unit, and
 * with every flush of the acks, the interval's included: the interval flush takes them from its own thread,
 * so a handler call that blocks holds none of the successes before it back.
 *
 * <p>Without a lock per entry: the worker appends and publishes the count with a release store; whoever
 * hands a run on (the worker, or a flush on another thread) first claims it by moving {@code handed} with a
 * compare-and-set, so every success is handed exactly once.
 */
public final class Successes implements AutoCloseable {

    private static final VarHandle ADDED;
    private static final VarHandle HANDED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ADDED = lookup.findVarHandle(Successes.class, "added", int.class);
            HANDED = lookup.findVarHandle(Successes.class, "handed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Consumer<List<StreamEntry>> acks;
    private final Consumer<List<StreamEntry>> acksByWorker;
    private final Consumer<Successes> closed;
    private final int handAt;
    /** Written by the worker only, each slot once, before {@link #added} covers it. */
    private final StreamEntry[] entries;
    /** Entries published; written by the worker (release), read by flushes (acquire). */
    private int added;
    /** Entries claimed and handed to the acks; moved by compare-and-set. */
    private volatile int handed;

    /**
     * @param acks         where runs handed by a flush go (the list is a view: read it before returning)
     * @param acksByWorker where runs the worker hands itself go: on a thread that may write the journal
     * @param closed       told when the unit of work ends, on the worker
     * @param capacity     the most successes the unit of work can have (its entries)
     */
    Successes(Consumer<List<StreamEntry>> acks, Consumer<List<StreamEntry>> acksByWorker, Consumer<Successes> closed,
            int handAt, int capacity) {
        this.acks = acks;
        this.acksByWorker = acksByWorker;
        this.closed = closed;
        this.handAt = handAt;
        this.entries = new StreamEntry[capacity];
    }

    /** Gathers a success (worker only); hands the gathered ones on once there are {@code ack-flush-size} of them. */
    void add(StreamEntry entry) {
        int index = (int) ADDED.get(this); // only this thread writes it
        entries[index] = entry;
        ADDED.setRelease(this, index + 1);
        if (index + 1 - handed >= handAt) {
            handOn(acksByWorker);
        }
    }

    /** Hands what gathered and nobody handed yet to the acks; from a flush, on any thread. */
    void handOn() {
        handOn(acks);
    }

    /** As {@link #handOn()}, from the worker. */
    void handOnByWorker() {
        handOn(acksByWorker);
    }

    private void handOn(Consumer<List<StreamEntry>> to) {
        while (true) {
            int from = handed;
            int upTo = (int) ADDED.getAcquire(this);
            if (from >= upTo) {
                return;
            }
            if (HANDED.compareAndSet(this, from, upTo)) {
                to.accept(Arrays.asList(entries).subList(from, upTo));
                return;
            }
        }
    }

    /** The unit of work ended: what gathered goes to the acks, and flushes stop looking here. */
    @Override
    public void close() {
        closed.accept(this);
    }
}
