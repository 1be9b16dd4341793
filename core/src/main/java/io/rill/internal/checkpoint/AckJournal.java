package io.rill.internal.checkpoint;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a subscription records the entries its handlers finished, before their XACK is sent, so that
 * a crash between the two does not mean handling them again (semantics 4). The ack batcher appends a
 * whole flush at once; implementations group-commit whatever arrives together. Once Redis confirmed
 * the XACK of a commit, {@link #acked} lets the journal forget it, which keeps it as small as the
 * un-acked window.
 *
 * <p>A journal only ever errs towards handling an entry again: an ID is appended after its handler
 * returned, so losing records costs duplicates, never entries.
 */
public interface AckJournal extends AutoCloseable {

    /**
     * IDs of one stream appended together, under a sequence number that identifies them until acked.
     *
     * @param seq     the commit's number within its journal, increasing; -1 for IDs that were never journaled
     * @param stream  the stream key
     * @param ids     the entry IDs; empty for a payload record
     * @param payload null for IDs of handled entries; else an opaque record another user of the journal
     *                (a producer outbox entry) kept until it is acked; the IDs are then empty
     */
    record Commit(long seq, String stream, List<String> ids, byte[] payload) {

        /** A commit of acked IDs (no payload). */
        public Commit(long seq, String stream, List<String> ids) {
            this(seq, stream, ids, null);
        }

        /** IDs sent without a journal record (the journal failed). */
        public static Commit unjournaled(String stream, List<String> ids) {
            return new Commit(-1, stream, ids);
        }

        public boolean journaled() {
            return seq >= 0;
        }
    }

    /**
     * Appends the IDs of handled entries of one stream. The future completes once the record is as
     * durable as the journal promises (written; fsynced too with fsync {@code always}), or
     * exceptionally when it could not be written.
     *
     * @param mayWrite true when the calling thread may write the record itself, which a journal may do when
     *                 its policy waits for no fsync (then the future is complete on return); false on threads
     *                 that must not wait for a disk (Lettuce's event loop, the shared timer): the journal
     *                 then never blocks on I/O
     */
    CompletableFuture<Commit> append(String stream, List<String> ids, boolean mayWrite);

    /**
     * True when {@link #append} with {@code mayWrite} writes the record on the calling thread, and without it hands the
     * record to a thread of the journal's own: an append is then cheaper from a worker than from elsewhere.
     */
    default boolean writesOnCaller() {
        return false;
    }

    /** Records that Redis confirmed the XACK of these commits; the journal may forget them. Never blocks on I/O. */
    void acked(Collection<Commit> commits);

    /** The commits found at open whose XACK was never confirmed: to be XACKed before anything else. */
    List<Commit> unacked();

    /**
     * True when the entry was found journaled at open: handled by this consumer before, its XACK not
     * known to have reached Redis. A history read that returns it must ack it without the handler.
     */
    boolean contains(String stream, String id);

    /** Writes what is queued and releases the storage. Appends after close fail. */
    @Override
    void close();
}
