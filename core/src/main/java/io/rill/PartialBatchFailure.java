package io.rill;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Thrown by a {@link BatchHandler} to report per-entry outcomes: the entries named here failed (with
 * their cause), every other entry of the batch succeeded and is acknowledged.
 */
public final class PartialBatchFailure extends Exception {

    private final Map<StreamEntry, Throwable> failures;
    /** The outputs of the other entries, for an {@link OutputBatchHandler}; null when not given. */
    private final Map<StreamEntry, List<Output>> outputs;

    private PartialBatchFailure(Map<StreamEntry, Throwable> failures, Map<StreamEntry, List<Output>> outputs) {
        super(failures.size() + " entries of the batch failed", null, false, false);
        this.failures = Collections.unmodifiableMap(failures);
        this.outputs = outputs;
    }

    /**
     * For an {@link OutputBatchHandler}: the entries named in {@code failures} failed, every other entry of
     * the batch succeeded and is committed with its outputs from {@code outputs} (none when it has no key
     * there). A PartialBatchFailure made without outputs fails the whole batch of an OutputBatchHandler.
     */
    public static PartialBatchFailure of(Map<StreamEntry, ? extends Throwable> failures,
            Map<StreamEntry, List<Output>> outputs) {
        PartialBatchFailure failure = of(failures);
        Map<StreamEntry, List<Output>> copy = new LinkedHashMap<>();
        Objects.requireNonNull(outputs, "outputs").forEach((entry, list) -> copy.put(entry, List.copyOf(list)));
        return new PartialBatchFailure(new LinkedHashMap<>(failure.failures), Collections.unmodifiableMap(copy));
    }

    /** A failure of the given entries, each with its own cause. */
    public static PartialBatchFailure of(Map<StreamEntry, ? extends Throwable> failures) {
        Objects.requireNonNull(failures, "failures");
        if (failures.isEmpty()) {
            throw new IllegalArgumentException("a PartialBatchFailure names at least one failed entry");
        }
        return new PartialBatchFailure(new LinkedHashMap<>(failures), null);
    }

    /** A failure of one entry. */
    public static PartialBatchFailure of(StreamEntry failed, Throwable cause) {
        return of(Map.of(Objects.requireNonNull(failed, "failed"), Objects.requireNonNull(cause, "cause")));
    }

    /** The outputs of the entries that succeeded, when given with {@link #of(Map, Map)}. */
    public java.util.Optional<Map<StreamEntry, List<Output>>> outputs() {
        return java.util.Optional.ofNullable(outputs);
    }

    /** The failed entries and why each failed. */
    public Map<StreamEntry, Throwable> failures() {
        return failures;
    }
}
