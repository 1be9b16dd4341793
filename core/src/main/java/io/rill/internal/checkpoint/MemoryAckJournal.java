package io.rill.internal.checkpoint;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The journal's code path without a disk ({@code checkpoint.journal = memory}): appends complete at
 * once and nothing survives the process, so it never finds anything at open. For tests, and for
 * setups without a writable disk that still want the same pipeline.
 */
public final class MemoryAckJournal implements AckJournal {

    private final AtomicLong seq = new AtomicLong();
    private volatile boolean closed;

    @Override
    public CompletableFuture<Commit> append(String stream, List<String> ids, boolean mayWrite) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("ack journal closed"));
        }
        return CompletableFuture.completedFuture(new Commit(seq.getAndIncrement(), stream, ids));
    }

    @Override
    public void acked(Collection<Commit> commits) {
        // nothing kept, nothing to forget
    }

    @Override
    public List<Commit> unacked() {
        return List.of();
    }

    @Override
    public boolean contains(String stream, String id) {
        return false;
    }

    @Override
    public void close() {
        closed = true;
    }
}
