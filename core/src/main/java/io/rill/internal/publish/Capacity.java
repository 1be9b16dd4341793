package io.rill.internal.publish;

import io.rill.publish.OutboxFullException;

/**
 * What an outbox holds not yet confirmed by Redis, in entries and bytes, against its limits. A reservation
 * that does not fit fails with {@link OutboxFullException} naming the limit; nothing is reserved then.
 */
final class Capacity {

    private final int maxEntries;
    private final long maxBytes;
    private final String owner;
    private int entries;
    private long bytes;

    Capacity(int maxEntries, long maxBytes, String owner) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.owner = owner;
    }

    /** Reserves room for one entry of {@code size} bytes, or fails naming the limit it would pass. */
    synchronized void reserve(int size) {
        if (size > maxBytes) {
            throw new OutboxFullException("outbox.max-bytes", "an entry of " + size + " bytes is larger than the whole "
                    + owner + " may hold (outbox.max-bytes = " + maxBytes + "): the entry was not written; raise "
                    + "outbox.max-bytes or publish smaller entries");
        }
        if (entries + 1 > maxEntries) {
            throw new OutboxFullException("outbox.max-entries", owner + " is full: " + entries + " entries wait for "
                    + "Redis (outbox.max-entries = " + maxEntries + "); the entry was not written. Redis is unreachable "
                    + "or slower than the producer: retry later, or raise outbox.max-entries");
        }
        if (bytes + size > maxBytes) {
            throw new OutboxFullException("outbox.max-bytes", owner + " is full: " + bytes + " bytes in " + entries
                    + " entries wait for Redis and this entry has " + size + " (outbox.max-bytes = " + maxBytes
                    + "); the entry was not written. Redis is unreachable or slower than the producer: retry later, "
                    + "or raise outbox.max-bytes");
        }
        entries++;
        bytes += size;
    }

    /** Counts an entry found in the journal at open, whatever the limits (they may have been lowered since). */
    synchronized void recovered(int size) {
        entries++;
        bytes += size;
    }

    synchronized void release(int size) {
        entries--;
        bytes -= size;
    }

    synchronized int entries() {
        return entries;
    }

    synchronized long bytes() {
        return bytes;
    }
}
