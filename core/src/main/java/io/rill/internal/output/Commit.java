package io.rill.internal.output;

import java.util.List;

import io.rill.Output;
import io.rill.StreamEntry;

/**
 * One handled input waiting for its commit: the outputs to write with its XACK, and whether a failure
 * record of it is to be removed in the same step (ADR 0012's cleanup on success).
 */
public record Commit(StreamEntry input, List<Output> outputs, boolean forgetFailures) {

    public Commit {
        outputs = List.copyOf(outputs);
    }
}
