package io.rill.micronaut.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.micronaut.context.annotation.AliasFor;
import io.micronaut.context.annotation.Executable;
import io.micronaut.messaging.annotation.MessageMapping;

/**
 * On a method of a {@link RedisStreamListener}: the method handles the entries of these streams (one
 * subscription). On a method of a {@link RedisStreamClient}: the method appends its argument to the
 * stream.
 *
 * <p>Numeric attributes are strings so that they can hold placeholders ({@code concurrency = "${workers:4}"});
 * an empty string means "not set here": the value then comes from {@code rill.consumers.<group>.*}, else
 * {@code rill.consumers.default.*}, else the core default.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@MessageMapping
@Executable(processOnStartup = true)
public @interface Stream {

    /** The stream keys (a listener reads them together; a client method writes to the first). */
    @AliasFor(annotation = MessageMapping.class, member = "value")
    String[] value();

    /**
     * A listener method takes the entries of one read together as a {@code List}; a client method takes a
     * {@code List} of bodies and writes one entry each.
     */
    boolean batch() default false;

    /** Handler calls at once (core {@code concurrency}), a whole number or a placeholder. */
    String concurrency() default "";

    /** With concurrency &gt; 1, the field whose equal values are handled in stream order (core {@code ordering-key}). */
    String orderingKey() default "";

    /**
     * Where a group created by Rill starts: {@code earliest}, {@code latest}, an entry ID or an ISO-8601 time
     * (core {@code start-position}).
     */
    String startFrom() default "";

    /**
     * Failed handler attempts in total (every attempt of every delivery, on any consumer) after which an
     * entry goes to the dead-letter stream (core {@code dead-letter.max-failures}).
     */
    String maxFailures() default "";

    /**
     * The crash-loop guard (core {@code dead-letter.max-deliveries}): an entry delivered more than this many
     * times without reaching {@link #maxFailures()} goes to the dead-letter stream; at least max-failures.
     */
    String maxDeliveries() default "";

    /** The dead-letter stream (core {@code dead-letter.stream}; default {@code <stream>:dlq}). */
    String deadLetter() default "";

    /** Manual or automatic acknowledgement; see {@link AckMode}. */
    AckMode ackMode() default AckMode.DEFAULT;

    /**
     * With {@code @SendTo}: whether the outputs and the input's acknowledgement commit together, atomically
     * (the default, exactly-once output, semantics 12): a crash yields the outputs once or not at all.
     * {@code false} publishes, then acknowledges (at-least-once: a crash between the two writes the outputs
     * again when the input is handled again). Only with {@code @SendTo}.
     */
    boolean transactional() default true;

    /** Client methods only: trims the stream to about this many entries on every XADD ({@code MAXLEN ~}). */
    String maxLen() default "";
}
