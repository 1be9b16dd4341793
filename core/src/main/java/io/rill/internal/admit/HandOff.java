package io.rill.internal.admit;

import java.util.List;

import io.rill.StreamEntry;

/** Where the {@link Admission} sends entries for the handler: the dispatcher. */
@FunctionalInterface
public interface HandOff {

    /** Queues entries for the handler; never blocks. */
    void accept(List<StreamEntry> entries);

    /**
     * Queues entries for a worker that waits for work now, which runs {@code after} on its thread once it has
     * handled them; false, queuing nothing, when no single worker is waiting for them.
     */
    default boolean acceptThen(List<StreamEntry> entries, Runnable after) {
        return false;
    }
}
