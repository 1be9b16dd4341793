package io.rill.micronaut.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.micronaut.core.bind.annotation.Bindable;

/**
 * Binds how many times Redis delivered the entry to an {@code OptionalLong} or {@code Long} parameter.
 * Empty (or null) when Redis did not report it: a plain {@code XREADGROUP} does not.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
@Bindable
public @interface DeliveryCount {
}
