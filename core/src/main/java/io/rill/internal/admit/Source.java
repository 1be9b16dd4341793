package io.rill.internal.admit;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.StreamEntry;

/**
 * Where entries come from: the history read of the own pending entries, the read of new entries, the
 * claim of stale ones. Sources only read; the {@link Admission} loop asks them in turn, on the read
 * connection, and is the only one that admits what they return.
 */
public interface Source {

    /** How the entries of a batch came. */
    enum Origin {
        /** XREADGROUP {@code >}: first deliveries. */
        NEW,
        /** XREADGROUP from an ID: this consumer's own pending entries. */
        HISTORY,
        /** XAUTOCLAIM: stale entries taken from any consumer of the group. */
        CLAIM
    }

    /**
     * What one call read.
     *
     * @param messages   history reads and claims: the entries, values as bytes (a trimmed one has no fields)
     * @param entries    new entries: decoded as entries already (see {@code FreshReadOutput}); else empty
     * @param deliveries for history reads and claims: each entry's delivery count as the read left it,
     *                   before the read script set it back (0 when no longer pending here); null for new entries
     * @param stream     with {@code deleted}: the stream they belong to; else null
     * @param deleted    IDs Redis dropped from the PEL because their entries are gone (XAUTOCLAIM)
     */
    record Batch(Origin origin, List<StreamMessage<String, byte[]>> messages, List<StreamEntry> entries,
            List<Long> deliveries, String stream, List<String> deleted) {

        /** Entries that arrived again (history read, claim). */
        public Batch(Origin origin, List<StreamMessage<String, byte[]>> messages, List<Long> deliveries, String stream,
                List<String> deleted) {
            this(origin, messages, List.of(), deliveries, stream, deleted);
        }

        /** New entries: first deliveries. */
        public static Batch fresh(List<StreamEntry> entries) {
            return new Batch(Origin.NEW, List.of(), entries, null, null, List.of());
        }

        /** How many entries were read. */
        public int size() {
            return origin == Origin.NEW ? entries.size() : messages.size();
        }
    }

    /**
     * Reads at most {@code count} entries (per stream for stream reads), or returns null when this
     * source has nothing to do now (history exhausted, claim not due or its pass done). Redis errors are
     * thrown: the supervisor backs off and reconnects.
     */
    Batch next(RedisCommands<String, byte[]> commands, int count) throws InterruptedException;

    /** Forgets progress of an unfinished pass, so that the next call starts over. */
    default void reset() {
    }

    /**
     * True when {@link #next} would do work now. A periodic source that is not due lets the admission
     * send its next read of new entries ahead (see {@link #send}).
     */
    default boolean due() {
        return true;
    }

    /**
     * Sends a read without waiting for its reply; null when this source reads one call at a time.
     * {@code arrived} takes the batch on the thread that receives the reply (Lettuce's I/O thread), so that
     * the entries reach the handler without waking the read thread first; it may send the next read itself.
     * The admission always awaits what it sent: the entries are this consumer's once Redis answered.
     */
    default Pending send(RedisCommands<String, byte[]> commands, int count, Consumer<Batch> arrived) {
        return null;
    }

    /** A read {@link #send sent} and not yet taken. */
    interface Pending {

        /**
         * Completes once the reply arrived and its arrival took it; exceptionally with what the read (a server
         * error, the connection closed) or the arrival threw. Wait on this, not on the reply: a thread waiting
         * on the reply may run the arrival itself when it wakes.
         */
        CompletableFuture<Void> arrival();

        /** Gives up on a read whose reply is overdue, as a synchronous read that timed out does. */
        void cancel();

        /** How long the reply may take: the connection's command timeout. */
        long timeoutNanos();
    }
}
