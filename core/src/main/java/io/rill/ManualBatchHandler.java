package io.rill;

import java.util.List;

/**
 * Handles the entries of one read together and settles them all at once through the
 * {@link Acknowledgement} (see {@link ManualHandler} for the rules).
 */
@FunctionalInterface
public interface ManualBatchHandler {

    void handle(List<StreamEntry> entries, Acknowledgement acknowledgement) throws Exception;
}
