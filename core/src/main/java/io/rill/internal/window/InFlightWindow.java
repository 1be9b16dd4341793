package io.rill.internal.window;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.rill.StreamEntry;

/**
 * The entries of one subscription that were read and are not yet acknowledged or failed (semantics 9).
 * The admission loop takes capacity before it reads; the settlement gives it back. The IDs
 * are kept so that a history read after a reconnect does not hand an entry out twice while it is
 * still being handled or waiting for its XACK. With each ID go the time it was admitted and the time its
 * lease started (admitted, or last renewed in Redis), so that lease renewal knows which entries could soon
 * look idle to others, and which have been held past max-lease.
 */
public final class InFlightWindow {

    private final int capacity;
    /** stream → entry ID → its lease. */
    private final Map<String, Map<String, Lease>> idsByStream;
    /** While a history read or a claim is under way: IDs released meanwhile, per stream. */
    private final Map<String, Set<String>> releasedByStream;
    private volatile boolean watching;
    /** Signals releases to {@link #awaitFree} and {@link #awaitReleased}; admitting takes no lock. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    /** Slots taken: raised by the admitting thread, lowered by releases (then signalled under the lock). */
    private final AtomicInteger used = new AtomicInteger();
    private volatile boolean closed;

    public InFlightWindow(int capacity, List<String> streams) {
        this.capacity = capacity;
        Map<String, Map<String, Lease>> ids = new ConcurrentHashMap<>();
        for (String stream : streams) {
            ids.put(stream, new ConcurrentHashMap<>());
        }
        this.idsByStream = Map.copyOf(ids);
        Map<String, Set<String>> released = new ConcurrentHashMap<>();
        for (String stream : streams) {
            released.put(stream, ConcurrentHashMap.newKeySet());
        }
        this.releasedByStream = Map.copyOf(released);
    }

    /**
     * Remembers, until {@link #stopWatchingReleases()}, the IDs released from now on. Called by the read
     * thread before a read that can return entries in flight here (own pending list, claim): an entry
     * whose XACK is confirmed after Redis answered such a read, but before the reply is admitted, must
     * not be admitted again (it would be handled twice).
     */
    public void watchReleases() {
        releasedByStream.values().forEach(Set::clear); // a release racing the last stop may have left one
        watching = true;
    }

    /** Ends {@link #watchReleases()} and forgets what it remembered. */
    public void stopWatchingReleases() {
        watching = false;
        releasedByStream.values().forEach(Set::clear);
    }

    public int capacity() {
        return capacity;
    }

    /** Entries in flight now. */
    public int size() {
        return used.get();
    }

    /** Slots free now (0 when closed); for the reader thread, the only one that admits entries. */
    public int free() {
        return closed ? 0 : capacity - used.get();
    }

    /**
     * Waits until at least {@code atLeast} slots are free, the window is closed, or the timeout passes.
     *
     * @return the free slots (0 when closed or timed out before {@code atLeast} were free)
     */
    public int awaitFree(int atLeast, long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            // a release lowers `used` before it takes the lock to signal, so no wake-up is missed here
            while (!closed && capacity - used.get() < atLeast) {
                if (nanos <= 0) {
                    return 0;
                }
                nanos = released.awaitNanos(nanos);
            }
            return closed ? 0 : capacity - used.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes a slot for an entry. Returns false, taking nothing, when the entry is already in flight
     * (a history read returned an entry this consumer is still handling).
     */
    public boolean admit(StreamEntry entry) {
        Map<String, Lease> inFlight = idsByStream.get(entry.stream());
        if (inFlight.putIfAbsent(entry.id(), new Lease(System.nanoTime())) != null) {
            return false;
        }
        // release() records before it removes: an ID absent here but released while watching is seen
        if (watching && releasedByStream.get(entry.stream()).contains(entry.id())) {
            inFlight.remove(entry.id());
            return false;
        }
        used.incrementAndGet(); // lowers the free slots only: nobody waits for that
        return true;
    }

    /** True when the entry is in flight here. */
    public boolean contains(String stream, String id) {
        Map<String, Lease> ids = idsByStream.get(stream);
        return ids != null && ids.containsKey(id);
    }

    /** IDs of one stream in flight whose lease started before {@code nanoTime}, dropped leases left out. */
    public List<String> heldSince(String stream, long nanoTime) {
        return heldSince(stream, nanoTime, nanoTime, null);
    }

    /**
     * IDs of one stream in flight whose lease started before {@code startedBefore}, for renewal. Entries
     * admitted before {@code admittedBefore} are not returned: their leases are dropped for good (added to
     * {@code dropped}, once), so that they become claimable by other consumers.
     *
     * @param dropped where the IDs whose leases are dropped now go; null to drop none
     */
    public List<String> heldSince(String stream, long startedBefore, long admittedBefore, List<String> dropped) {
        List<String> ids = new ArrayList<>();
        idsByStream.get(stream).forEach((id, lease) -> {
            if (lease.dropped || lease.started - startedBefore >= 0) {
                return;
            }
            if (dropped != null && lease.admitted - admittedBefore < 0) {
                lease.dropped = true;
                dropped.add(id);
                return;
            }
            ids.add(id);
        });
        return ids;
    }

    /** Records that these IDs' leases were renewed in Redis at {@code nanoTime}; IDs no longer in flight are ignored. */
    public void renewed(String stream, Collection<String> ids, long nanoTime) {
        Map<String, Lease> inFlight = idsByStream.get(stream);
        for (String id : ids) {
            Lease lease = inFlight.get(id);
            if (lease != null) {
                lease.started = nanoTime;
            }
        }
    }

    /** Gives back the slot of one entry (handled and acked, or failed). */
    public void release(StreamEntry entry) {
        release(entry.stream(), List.of(entry.id()));
    }

    /** Gives back the slots of these IDs of one stream; IDs not in flight are ignored. */
    public void release(String stream, Collection<String> ids) {
        Map<String, Lease> inFlight = idsByStream.get(stream);
        Set<String> watched = watching ? releasedByStream.get(stream) : null;
        int removed = 0;
        for (String id : ids) {
            if (watched != null && inFlight.containsKey(id)) {
                watched.add(id);
            }
            if (inFlight.remove(id) != null) {
                removed++;
            }
        }
        if (removed == 0) {
            return;
        }
        used.addAndGet(-removed);
        lock.lock();
        try {
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiter for good; used on stop. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until this entry is no longer in flight (its ack confirmed, or released), or the timeout passes; true when gone. */
    public boolean awaitReleased(StreamEntry entry, long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            // release() removes the ID before it takes the lock to signal, so no signal is missed here
            while (contains(entry.stream(), entry.id())) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = released.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** When an entry was admitted, and when its lease last started (admitted, or renewed in Redis). */
    private static final class Lease {
        final long admitted;
        volatile long started;
        /** Past max-lease: never renewed again. Written by the renewing thread only. */
        volatile boolean dropped;

        Lease(long now) {
            admitted = now;
            started = now;
        }
    }
}
