package io.rill.internal.output;

import java.util.Set;

/**
 * A handler that returns outputs ({@code OutputHandler} or {@code OutputBatchHandler}) with the output
 * streams its subscription declared and the check of the slot rule for them, as the pipeline gets it.
 */
public record Transactional(Object handler, Set<String> outputStreams, OutputCheck check) {

    public Transactional {
        outputStreams = Set.copyOf(outputStreams);
    }

    /** The error for an output to a stream that was not declared. */
    public static IllegalArgumentException undeclared(String stream, Set<String> declared) {
        return new IllegalArgumentException("the handler returned an output to stream '" + stream + "', which its "
                + "subscription did not declare (declared: " + declared + "); add it to the output streams given to "
                + "subscribe, so that the hash-slot rule is checked at the start");
    }
}
