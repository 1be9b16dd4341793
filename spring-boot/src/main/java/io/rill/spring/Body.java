package io.rill.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Binds the entry's body to this parameter: JSON in the body field ({@code rill.body-field}, default
 * {@code payload}), else the fields read into the type ({@code Map}: the fields themselves). Needed only when
 * the method has another parameter that could be the body.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Body {
}
