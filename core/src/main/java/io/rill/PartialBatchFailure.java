package io.rill;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Thrown by a {@link BatchHandler} to report per-entry outcomes: the entries named here failed (with
 * their cause), every other entry of the batch succeeded and is acknowledged.
 */
public final class PartialBatchFailure extends Exception {

    private final Map<StreamEntry, Throwable> failures;

    private PartialBatchFailure(Map<StreamEntry, Throwable> failures) {
        super(failures.size() + " entries of the batch failed", null, false, false);
        this.failures = Collections.unmodifiableMap(failures);
    }

    /** A failure of the given entries, each with its own cause. */
    public static PartialBatchFailure of(Map<StreamEntry, ? extends Throwable> failures) {
        Objects.requireNonNull(failures, "failures");
        if (failures.isEmpty()) {
            throw new IllegalArgumentException("a PartialBatchFailure names at least one failed entry");
        }
        return new PartialBatchFailure(new LinkedHashMap<>(failures));
    }

    /** A failure of one entry. */
    public static PartialBatchFailure of(StreamEntry failed, Throwable cause) {
        return of(Map.of(Objects.requireNonNull(failed, "failed"), Objects.requireNonNull(cause, "cause")));
    }

    /** The failed entries and why each failed. */
    public Map<StreamEntry, Throwable> failures() {
        return failures;
    }
}
