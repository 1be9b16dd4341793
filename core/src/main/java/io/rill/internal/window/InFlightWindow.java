package io.rill.internal.window;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * look idle to others, and which have been held past max-lease. The entries of one read share one lease until
 * renewal gives some of them their own, so admitting a read makes one lease, not one per entry.
 */
public final class InFlightWindow {

    private final int capacity;
    /**
     * stream → entry ID → its lease; guarded by {@link #lock}. Plain maps under one lock: the admitting thread
     * takes it once per read and the settling thread once per XACK, where concurrent maps cost a contended
     * size counter per entry.
     */
    private final Map<String, Map<String, Lease>> idsByStream;
    /** While a history read or a claim is under way: IDs released meanwhile, per stream; guarded by {@link #lock}. */
    private final Map<String, Set<String>> releasedByStream;
    private boolean watching; // guarded by lock
    private final ReentrantLock lock = new ReentrantLock();
    /** Signals releases to {@link #awaitFree} and {@link #awaitReleased}. */
    private final Condition released = lock.newCondition();
    /** Slots taken: raised by the admitting thread, lowered by releases (then signalled under the lock). */
    private final AtomicInteger used = new AtomicInteger();
    private volatile boolean closed;

    public InFlightWindow(int capacity, List<String> streams) {
        this.capacity = capacity;
        Map<String, Map<String, Lease>> ids = new HashMap<>();
        Map<String, Set<String>> released = new HashMap<>();
        for (String stream : streams) {
            ids.put(stream, new HashMap<>());
            released.put(stream, new HashSet<>());
        }
        this.idsByStream = Map.copyOf(ids);
        this.releasedByStream = Map.copyOf(released);
    }

    /**
     * Remembers, until {@link #stopWatchingReleases()}, the IDs released from now on. Called by the read
     * thread before a read that can return entries in flight here (own pending list, claim): an entry
     * whose XACK is confirmed after Redis answered such a read, but before the reply is admitted, must
     * not be admitted again (it would be handled twice).
     */
    public void watchReleases() {
        lock.lock();
        try {
            releasedByStream.values().forEach(Set::clear);
            watching = true;
        } finally {
            lock.unlock();
        }
    }

    /** Ends {@link #watchReleases()} and forgets what it remembered. */
    public void stopWatchingReleases() {
        lock.lock();
        try {
            watching = false;
            releasedByStream.values().forEach(Set::clear);
        } finally {
            lock.unlock();
        }
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
            // releases lower `used` and signal under this lock, so no wake-up is missed here
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
     * (a history read returned an entry this consumer is still handling), or was released while
     * {@link #watchReleases() watching}.
     */
    public boolean admit(StreamEntry entry) {
        lock.lock();
        try {
            if (!take(idsByStream.get(entry.stream()), entry, new Lease(System.nanoTime()))) {
                return false;
            }
            used.incrementAndGet(); // lowers the free slots only: nobody waits for that
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes slots for the entries of one read, under one acquisition of the lock.
     *
     * @return the entries admitted, in order: those already in flight here are left out (see {@link #admit})
     */
    public List<StreamEntry> admitAll(List<StreamEntry> entries) {
        List<StreamEntry> admitted = null; // the input itself while every entry is admitted (the usual case)
        lock.lock();
        try {
            Lease lease = new Lease(System.nanoTime()); // one per read: its entries share it
            String stream = null;
            Map<String, Lease> inFlight = null;
            int taken = 0;
            for (int i = 0; i < entries.size(); i++) {
                StreamEntry entry = entries.get(i);
                if (entry.stream() != stream) { // looked up once per run of one stream's entries (names are shared)
                    stream = entry.stream();
                    inFlight = idsByStream.get(stream);
                }
                if (take(inFlight, entry, lease)) {
                    taken++;
                    if (admitted != null) {
                        admitted.add(entry);
                    }
                } else if (admitted == null) {
                    admitted = new ArrayList<>(entries.subList(0, i));
                }
            }
            used.addAndGet(taken); // once per read, not per entry; lowers the free slots only: nobody waits for that
        } finally {
            lock.unlock();
        }
        return admitted != null ? admitted : entries;
    }

    /** Records the entry as in flight unless it is (or was released while watching); the caller counts the slot. */
    private boolean take(Map<String, Lease> inFlight, StreamEntry entry, Lease lease) {
        if (inFlight.putIfAbsent(entry.id(), lease) != null) {
            return false;
        }
        if (watching && releasedByStream.get(entry.stream()).contains(entry.id())) {
            inFlight.remove(entry.id());
            return false;
        }
        return true;
    }

    /** True when the entry is in flight here. */
    public boolean contains(String stream, String id) {
        Map<String, Lease> ids = idsByStream.get(stream);
        if (ids == null) {
            return false;
        }
        lock.lock();
        try {
            return ids.containsKey(id);
        } finally {
            lock.unlock();
        }
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
        lock.lock();
        try {
            Map<String, Lease> inFlight = idsByStream.get(stream);
            int firstDropped = dropped == null ? 0 : dropped.size();
            inFlight.forEach((id, lease) -> {
                if (lease.dropped || lease.started - startedBefore >= 0) {
                    return;
                }
                if (dropped != null && lease.admitted - admittedBefore < 0) {
                    dropped.add(id); // marked below: a lease shared with IDs not seen yet must not hide them
                    return;
                }
                ids.add(id);
            });
            if (dropped != null) {
                for (int i = firstDropped; i < dropped.size(); i++) {
                    inFlight.get(dropped.get(i)).dropped = true;
                }
            }
        } finally {
            lock.unlock();
        }
        return ids;
    }

    /** Records that these IDs' leases were renewed in Redis at {@code nanoTime}; IDs no longer in flight are ignored. */
    public void renewed(String stream, Collection<String> ids, long nanoTime) {
        Map<String, Lease> inFlight = idsByStream.get(stream);
        lock.lock();
        try {
            for (String id : ids) {
                Lease lease = inFlight.get(id);
                if (lease != null) {
                    // a lease of its own: the read's other entries may not have been renewed (renewal is rare)
                    inFlight.put(id, lease.renewedAt(nanoTime));
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Gives back the slot of one entry (handled and acked, or failed). */
    public void release(StreamEntry entry) {
        release(entry.stream(), List.of(entry.id()));
    }

    /** Gives back the slots of these IDs of one stream; IDs not in flight are ignored. */
    public void release(String stream, Collection<String> ids) {
        Map<String, Lease> inFlight = idsByStream.get(stream);
        lock.lock();
        try {
            Set<String> watched = watching ? releasedByStream.get(stream) : null;
            int removed = 0;
            for (String id : ids) {
                if (inFlight.remove(id) != null) {
                    removed++;
                    if (watched != null) {
                        watched.add(id);
                    }
                }
            }
            if (removed > 0) {
                used.addAndGet(-removed);
                released.signalAll();
            }
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
            // release() removes the ID and signals under this lock, so no signal is missed here
            while (idsByStream.get(entry.stream()).containsKey(entry.id())) {
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

    /**
     * When entries were admitted, and when their lease last started (admitted, or renewed in Redis); shared by the
     * entries of one read until renewed; guarded by the lock.
     */
    private static final class Lease {
        final long admitted;
        final long started;
        /** Past max-lease: never renewed again. */
        boolean dropped;

        Lease(long now) {
            this(now, now, false);
        }

        private Lease(long admitted, long started, boolean dropped) {
            this.admitted = admitted;
            this.started = started;
            this.dropped = dropped;
        }

        Lease renewedAt(long now) {
            return new Lease(admitted, now, dropped);
        }
    }
}
