package io.rill.deadletter;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One entry of a dead-letter stream, as {@link DeadLetters#list} reads it: the original entry's fields,
 * and what Rill recorded when it moved the entry there.
 *
 * @param id           this dead letter's ID in the dead-letter stream
 * @param stream       the stream the entry came from
 * @param originalId   the entry's ID in that stream
 * @param group        the consumer group that gave up on it
 * @param consumer     the consumer that moved it
 * @param deliveries   how many times it had been handed to a handler of the group
 * @param failures     how many times its handler had failed, on any consumer
 * @param reason       {@code failed} (max-failures reached), {@code non-retryable} (an error the retry options
 *                     do not retry) or {@code crash-loop} (max-deliveries hand-overs without any outcome)
 * @param errorClass   the class of the last error, when there was one
 * @param errorMessage the message of the last error, when there was one
 * @param time         when it was moved
 * @param fields       the original fields, in their order
 */
public record DeadLetter(String id, String stream, String originalId, String group, String consumer, long deliveries,
        long failures, String reason, Optional<String> errorClass, Optional<String> errorMessage, Instant time, Map<String, String> fields) {

    /** Field names Rill adds to a dead letter, after the original fields. An original field of one of these names is not redriven. */
    public static final String STREAM = "rill.stream";
    public static final String ID = "rill.id";
    public static final String GROUP = "rill.group";
    public static final String CONSUMER = "rill.consumer";
    public static final String REASON = "rill.reason";
    public static final String ERROR = "rill.error";
    public static final String MESSAGE = "rill.message";
    public static final String TIME = "rill.time";
    public static final String DELIVERIES = "rill.deliveries";
    public static final String FAILURES = "rill.failures";
    static final List<String> METADATA = List.of(STREAM, ID, GROUP, CONSUMER, REASON, ERROR, MESSAGE, TIME, DELIVERIES,
            FAILURES);

    /** {@code rill.reason} of an entry whose handler failed max-failures times. */
    public static final String REASON_FAILED = "failed";
    /** {@code rill.reason} of an entry whose handler threw an error the retry options do not retry. */
    public static final String REASON_NON_RETRYABLE = "non-retryable";
    /** {@code rill.reason} of an entry handed to a handler max-deliveries times without any outcome. */
    public static final String REASON_CRASH_LOOP = "crash-loop";

    /** Reads a dead-letter stream entry; null when it lacks the fields Rill writes (not a Rill dead letter). */
    static DeadLetter of(String id, Map<String, String> body) {
        if (body == null || body.get(STREAM) == null || body.get(ID) == null) {
            return null;
        }
        Map<String, String> fields = new LinkedHashMap<>(body);
        fields.keySet().removeAll(METADATA);
        long deliveries = number(body.get(DELIVERIES));
        long failures = number(body.get(FAILURES));
        Instant time;
        try {
            time = Instant.parse(body.get(TIME));
        } catch (RuntimeException e) {
            time = Instant.EPOCH;
        }
        return new DeadLetter(id, body.get(STREAM), body.get(ID), body.get(GROUP), body.get(CONSUMER), deliveries,
                failures, body.get(REASON), Optional.ofNullable(body.get(ERROR)), Optional.ofNullable(body.get(MESSAGE)), time,
                Collections.unmodifiableMap(fields));
    }

    private static long number(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
