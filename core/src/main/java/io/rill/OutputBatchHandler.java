package io.rill;

import java.util.List;
import java.util.Map;

/**
 * Handles the entries of one read together and returns, per input entry, the entries to write for it
 * (semantics 12). Each input's outputs are written together with that input's acknowledgement, atomically;
 * an entry of the batch the map does not name (or maps to an empty list) is acknowledged with no output.
 * Throwing writes nothing and fails the whole batch, unless it is a {@link PartialBatchFailure} made with
 * {@link PartialBatchFailure#of(Map, Map) the outputs of the other entries}: those are then committed with
 * theirs. One made without them fails the whole batch, since acknowledging the others without their
 * outputs would lose them.
 *
 * <p>With {@code concurrency > 1} and an ordering key, a batch holds only entries of one ordering lane,
 * in stream order.
 */
@FunctionalInterface
public interface OutputBatchHandler {

    Map<StreamEntry, List<Output>> handle(List<StreamEntry> entries) throws Exception;
}
