package io.rill.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Binds how many times a handler of the group has got the entry, this time included, to an
 * {@code OptionalLong} or {@code Long} parameter; empty (or null) when Redis could not say.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface DeliveryCount {
}
