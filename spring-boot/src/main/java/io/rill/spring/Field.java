package io.rill.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;

/**
 * Binds one field of the entry to this parameter, converted to its type by Spring's conversion service
 * ({@code byte[]}: the value's bytes). A missing field fails the entry unless the parameter is an
 * {@code Optional} or annotated {@code @Nullable}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Field {

    /** The field name; default the parameter's name. */
    @AliasFor("name")
    String value() default "";

    @AliasFor("value")
    String name() default "";
}
