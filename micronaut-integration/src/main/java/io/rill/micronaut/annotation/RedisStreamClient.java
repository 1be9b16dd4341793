package io.rill.micronaut.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.micronaut.aop.Introduction;
import jakarta.inject.Singleton;

/**
 * An interface whose {@link Stream @Stream} methods append their argument to a stream (XADD). The
 * argument is written like a listener reads bodies: a {@code Map} becomes the entry's fields, anything
 * else is JSON in the body field ({@code rill.body-field}, default {@code payload}); parameters annotated
 * {@code @MessageHeader("name")} become further fields. A method returns {@code void}, the new entry's ID
 * as a {@code String}, a {@code CompletableFuture<String>} (sent at once) or a {@code Publisher<String>} /
 * {@code Mono<String>} (sent when subscribed). With {@code @Stream(batch = true)} it takes a {@code List} of
 * bodies, writes one entry each (pipelined) and returns {@code void}, {@code List<String>},
 * {@code CompletableFuture<List<String>>} or {@code Flux<String>}. Every method is checked at startup.
 *
 * <pre>{@code
 * @RedisStreamClient
 * interface Orders {
 *     @Stream(value = "orders", maxLen = "100000")
 *     String send(Order order);
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Introduction
@Singleton
public @interface RedisStreamClient {

    /** The micronaut-redis server to write to ({@code redis.servers.<name>}); default the primary one. */
    String connection() default "";
}
