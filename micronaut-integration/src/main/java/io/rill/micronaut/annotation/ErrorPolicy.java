package io.rill.micronaut.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@link Stream} method of a {@link RedisStreamListener}: how a failing call of this method is retried,
 * over the group's {@code rill.consumers.<group>.retry.*} (and {@code rill.consumers.default.retry.*}). Each
 * attribute sets one core option; an attribute left empty takes the option from configuration, else the
 * core's default. Numbers and durations are strings so that they can hold placeholders
 * ({@code maxAttempts = "${billing.attempts:5}"}).
 *
 * <pre>{@code
 * @Stream("orders")
 * @ErrorPolicy(maxAttempts = "5", delay = "200ms", maxDelay = "5s", nonRetryable = InvalidOrderException.class)
 * void onOrder(Order order) { ... }
 * }</pre>
 *
 * After the last attempt the entry stays pending for reclaim; an error of a non-retryable type is not retried
 * and goes to the dead-letter stream at once (when dead letters are on). How many failures in total move an
 * entry to the dead-letter stream is {@link Stream#maxFailures()}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
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

    /** Exception types worth another attempt, subclasses included; replaces the configured list (core {@code retry.retryable}). */
    Class<? extends Throwable>[] retryable() default {};

    /**
     * Exception types never retried, subclasses included, even when also retryable; replaces the configured
     * list (core {@code retry.non-retryable}).
     */
    Class<? extends Throwable>[] nonRetryable() default {};
}
