package io.rill.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@link RedisStreamListener} method: how a failing call is retried, over the group's
 * {@code rill.consumers.<group>.retry.*}. Each attribute sets one core option; an empty one leaves it to
 * configuration. Numbers and durations are strings so that they can hold placeholders.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ErrorPolicy {

    /** Handler calls per delivery, the first included; 1 means no retries (core {@code retry.max-attempts}). */
    String maxAttempts() default "";

    /** The wait before the first retry, e.g. {@code 200ms} (core {@code retry.backoff.initial}). */
    String delay() default "";

    /** The longest wait between two attempts (core {@code retry.backoff.max}). */
    String maxDelay() default "";

    /** Growth of the wait per retry, at least 1 (core {@code retry.backoff.multiplier}). */
    String multiplier() default "";

    /** The randomized fraction of each wait, 0..1 (core {@code retry.backoff.jitter}). */
    String jitter() default "";

    /** Exception types worth another attempt (core {@code retry.retryable}). */
    Class<? extends Throwable>[] retryable() default {};

    /** Exception types never retried (core {@code retry.non-retryable}). */
    Class<? extends Throwable>[] nonRetryable() default {};
}
