package io.rill.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;

/**
 * Marks a method of a Spring bean as the handler of one Rill subscription: the entries of these streams,
 * read as one consumer of a consumer group.
 *
 * <pre>{@code
 * @Component
 * class Billing {
 *     @RedisStreamListener(streams = "orders", group = "billing")
 *     void onOrder(Order order, @Field("orderId") String orderId, StreamEntry raw) { ... }
 * }
 * }</pre>
 *
 * Parameters: {@link io.rill.StreamEntry} (the raw entry), {@link io.rill.Acknowledgement} (manual ack),
 * {@link MessageId @MessageId String}, {@link DeliveryCount @DeliveryCount}, {@link Field @Field("name")} (one
 * field, converted), and one body parameter ({@link Body @Body}, or the one parameter left): JSON in the body
 * field ({@code rill.body-field}, default {@code payload}), else the fields read into the type. A batch method
 * takes one {@code List<T>}. Returns {@code void}, a {@code CompletionStage} or a Reactive Streams
 * {@code Publisher} (awaited: the entry is acknowledged when it completes), or with {@link SendTo} the value
 * to write. Everything is checked at startup.
 *
 * <p>String attributes hold placeholders ({@code concurrency = "${workers:4}"}); an empty one means "not set
 * here": the value comes from {@code rill.consumers.<group>.*}, else {@code rill.consumers.default.*}, else
 * the core default.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
public @interface RedisStreamListener {

    /** Alias of {@link #streams()}. */
    @AliasFor("streams")
    String[] value() default {};

    /** The stream keys, read together by one subscription. */
    @AliasFor("value")
    String[] streams() default {};

    /** The consumer group; default {@code spring.application.name}. */
    String group() default "";

    /**
     * This process's consumer name in the group; default {@code rill.consumers.<group>.consumer}, else the host
     * name. Two processes of one group must not share a name: they would share one pending list.
     */
    String consumer() default "";

    /** The method takes the entries of one read together, as a {@code List}. */
    boolean batch() default false;

    /** Handler calls at once (core {@code concurrency}). */
    String concurrency() default "";

    /** With concurrency &gt; 1, the field whose equal values are handled in stream order (core {@code ordering-key}). */
    String orderingKey() default "";

    /** Where a group created by Rill starts: {@code earliest}, {@code latest}, an entry ID or an ISO-8601 time. */
    String startFrom() default "";

    /** Failed attempts in total after which an entry is dead-lettered (core {@code dead-letter.max-failures}). */
    String maxFailures() default "";

    /** The crash-loop guard (core {@code dead-letter.max-deliveries}). */
    String maxDeliveries() default "";

    /** The dead-letter stream (core {@code dead-letter.stream}; default {@code <stream>:dlq}). */
    String deadLetter() default "";

    /** Manual or automatic acknowledgement; see {@link AckMode}. */
    AckMode ackMode() default AckMode.DEFAULT;

    /**
     * Whether the subscription starts with the application ({@code true} or {@code false}, or a placeholder).
     * When false it is listed by {@link RillSubscriptions} and starts on {@code resume(id)}. Default true.
     */
    String autoStartup() default "";
}
