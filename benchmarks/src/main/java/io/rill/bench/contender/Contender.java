package io.rill.bench.contender;

/**
 * One way of consuming a stream in a consumer group, measured by both benchmarks. The harness creates
 * the group before {@link #start}, hands every entry's fields to the sink, and closes the returned
 * consumption when it has seen enough.
 */
public interface Contender {

    /** The name in tables and charts. */
    String name();

    /** What a crash between read and handler costs: "at-least-once" or "at-most-once". */
    String semantics();

    /** How it is set up, in one line for the docs. */
    String setup();

    /** Starts consuming {@code stream} in {@code group}; returns once consuming is under way. */
    Consumption start(String uri, String stream, String group, EntrySink sink) throws Exception;

    /**
     * A running consumer; closing stops it and releases its connections and threads, and throws when
     * the consumer failed while it ran (its figures would not count).
     */
    interface Consumption extends AutoCloseable {
        @Override
        void close();

        /** What the contender saw of itself while it ran, for the diagnostic output; "" for nothing. */
        default String diagnostics() {
            return "";
        }
    }
}
