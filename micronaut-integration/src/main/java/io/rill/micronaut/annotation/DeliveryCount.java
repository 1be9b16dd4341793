package io.rill.micronaut.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.micronaut.core.bind.annotation.Bindable;

/**
 * Binds how many times Redis delivered the entry to an {@code OptionalLong} or {@code Long} parameter:
 * 1 for an entry read as new, the pending entries list's count for one read again or claimed. Empty (or
 * null) when Redis could not say (the entry was no longer pending for this consumer).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
@Bindable
public @interface DeliveryCount {
}
