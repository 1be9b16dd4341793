package io.rill.micronaut.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.micronaut.core.bind.annotation.Bindable;

/**
 * Binds how many times a handler of the group has got the entry, this time included, to an
 * {@code OptionalLong} or {@code Long} parameter: 1 for an entry read as new, more for one read again
 * after a crash or claimed (re-reads after a reconnect do not count). Empty (or null) when Redis could
 * not say (the entry was no longer pending for this consumer).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
@Bindable
public @interface DeliveryCount {
}
