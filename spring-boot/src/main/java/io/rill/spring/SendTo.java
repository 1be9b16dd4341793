package io.rill.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@link RedisStreamListener} method: writes what the method returns to these streams (XADD, pipelined)
 * before its input entry is acknowledged. A {@code Map} becomes the entry's fields, a {@code String} or
 * {@code byte[]} the body field, anything else JSON in the body field; an {@code Iterable}, an array or the
 * elements of a {@code Publisher} one entry each; {@code null} nothing.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface SendTo {

    /** The streams to write to. */
    String[] value();
}
