package io.rill.bench.contender;

import java.util.Map;

/** What a contender's handler does with each entry: the benchmark's "work", the same for all. */
@FunctionalInterface
public interface EntrySink {

    void accept(Map<String, String> fields);
}
