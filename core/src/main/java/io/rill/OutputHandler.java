package io.rill;

import java.util.List;

/**
 * Handles one entry at a time and returns the entries to write for it (semantics 12). Rill writes them
 * and acknowledges the input in one atomic step, so that a crash yields the outputs once or not at all:
 * when it yields none, the input is delivered again and the handler runs again. Returning an empty list
 * (or null) acknowledges the input with no output; throwing writes nothing and fails the entry as an
 * {@link EntryHandler}'s throw does (retry, dead letter).
 *
 * <p>The handler must write nothing to Redis itself for the guarantee to hold: its outputs are what it returns.
 */
@FunctionalInterface
public interface OutputHandler {

    List<Output> handle(StreamEntry entry) throws Exception;
}
