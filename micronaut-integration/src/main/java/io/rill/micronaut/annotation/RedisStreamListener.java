package io.rill.micronaut.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.micronaut.context.annotation.AliasFor;
import io.micronaut.messaging.annotation.MessageListener;

/**
 * Marks a bean whose {@link Stream @Stream} methods consume Redis streams as one consumer group. Each
 * {@code @Stream} method becomes one Rill subscription.
 *
 * <pre>{@code
 * @RedisStreamListener(group = "billing")
 * class Billing {
 *     @Stream("orders")
 *     void onOrder(@MessageBody Order order) { ... }
 * }
 * }</pre>
 *
 * Every attribute accepts property placeholders ({@code "${billing.group}"}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@MessageListener
public @interface RedisStreamListener {

    /** Alias of {@link #group()}. */
    @AliasFor(member = "group")
    String value() default "";

    /** The consumer group; default {@code micronaut.application.name}. */
    @AliasFor(member = "value")
    String group() default "";

    /**
     * This process's consumer name in the group; default {@code rill.consumers.<group>.consumer}, else the
     * host name. Two processes of one group must not share a name: they would share one pending list.
     */
    String consumer() default "";

    /**
     * The micronaut-redis server to read from: the name of a {@code redis.servers.<name>} entry. Default:
     * the primary server ({@code redis.uri}).
     */
    String connection() default "";

    /**
     * Whether the subscriptions start with the application. When false they are listed by
     * {@link io.rill.micronaut.RillSubscriptions} and start on {@code resume(id)}.
     */
    boolean autoStartup() default true;
}
