package io.rill.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@link RedisStreamListener} method: writes what the method returns to these streams. By default the
 * output and the acknowledgement of the input entry commit together, atomically (exactly-once output,
 * semantics 12): a crash yields the output once or not at all, and an input handled again writes it once.
 * With {@link #transactional() transactional = false} the output is published first (XADD, pipelined) and the
 * input acknowledged after (at-least-once: a crash in between writes it again). A {@code Map} becomes the entry's fields, a {@code String} or
 * {@code byte[]} the body field, anything else JSON in the body field; an {@code Iterable}, an array or the
 * elements of a {@code Publisher} one entry each; {@code null} nothing.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface SendTo {

    /** The streams to write to. */
    String[] value();

    /**
     * {@code true} (the default): the output commits with the input's acknowledgement (on a Redis Cluster the
     * streams must then share the input's hash slot); {@code false}: publish, then acknowledge.
     */
    boolean transactional() default true;
}
