package io.rill;

import java.util.List;

/**
 * Handles the entries of one read together. Returning normally acknowledges every entry; a thrown
 * exception fails the whole batch, unless it is a {@link PartialBatchFailure}, which names the entries
 * that failed so that the others are acknowledged.
 *
 * <p>With {@code concurrency > 1} and an ordering key, a batch holds only entries of one ordering lane,
 * in stream order.
 */
@FunctionalInterface
public interface BatchHandler {

    void handle(List<StreamEntry> entries) throws Exception;
}
