package io.rill.micronaut.config;

import java.lang.annotation.Annotation;
import java.util.Map;

import io.micronaut.context.env.Environment;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.AnnotationClassValue;
import io.micronaut.core.annotation.AnnotationMetadata;
import io.micronaut.core.annotation.AnnotationValue;

/**
 * The attributes one annotation was written with, placeholders resolved against one context's environment.
 *
 * <p>Why not {@code AnnotationMetadata.stringValue}: Micronaut's environment-aware metadata belongs to the
 * bean definition, which every context of a JVM shares, so with two contexts (tests, or an application
 * restarted in process) it can resolve placeholders with the other context's properties. The values as
 * written are read here and resolved with the environment at hand.
 */
public final class AnnotationAttributes {

    private final Map<CharSequence, Object> values;
    private final Environment environment;
    private final String where;
    private final String annotation;

    private AnnotationAttributes(Map<CharSequence, Object> values, Environment environment, String where, String annotation) {
        this.values = values;
        this.environment = environment;
        this.where = where;
        this.annotation = annotation;
    }

    /**
     * @param where what messages name first, e.g. {@code @RedisStreamListener bean com.example.Billing, method onOrder}
     */
    public static AnnotationAttributes of(AnnotationMetadata metadata, Class<? extends Annotation> type, Environment environment,
            String where) {
        Map<CharSequence, Object> values = metadata.findAnnotation(type).map(AnnotationValue::getValues).orElse(Map.of());
        return new AnnotationAttributes(values, environment, where, "@" + type.getSimpleName());
    }

    /** One string attribute, resolved; {@code ""} when not written. */
    public String string(String member) {
        Object value = values.get(member);
        if (value instanceof Object[] array) {
            value = array.length == 0 ? null : array[0];
        }
        return value == null ? "" : resolve(member, String.valueOf(value));
    }

    /** A string array attribute, each element resolved; empty when not written. */
    public String[] strings(String member) {
        Object value = values.get(member);
        if (value == null) {
            return new String[0];
        }
        Object[] array = value instanceof Object[] a ? a : new Object[] {value};
        String[] resolved = new String[array.length];
        for (int i = 0; i < array.length; i++) {
            resolved[i] = resolve(member, String.valueOf(array[i]));
        }
        return resolved;
    }

    /** A class array attribute, as class names; empty when not written. */
    public String[] classNames(String member) {
        Object value = values.get(member);
        if (value == null) {
            return new String[0];
        }
        Object[] array = value instanceof Object[] a ? a : new Object[] {value};
        String[] names = new String[array.length];
        for (int i = 0; i < array.length; i++) {
            names[i] = array[i] instanceof Class<?> type ? type.getName()
                    : array[i] instanceof AnnotationClassValue<?> type ? type.getName() : String.valueOf(array[i]);
        }
        return names;
    }

    public boolean bool(String member, boolean otherwise) {
        Object value = values.get(member);
        return value == null ? otherwise : Boolean.parseBoolean(resolve(member, String.valueOf(value)));
    }

    public <E extends Enum<E>> E enumValue(String member, Class<E> type, E otherwise) {
        Object value = values.get(member);
        if (value == null) {
            return otherwise;
        }
        return value instanceof Enum<?> e ? type.cast(e) : Enum.valueOf(type, String.valueOf(value));
    }

    /** {@code @Stream(concurrency)}: how messages name an attribute. */
    public String name(String member) {
        return annotation + "(" + member + ")";
    }

    private String resolve(String member, String value) {
        try {
            return environment.getPlaceholderResolver().resolveRequiredPlaceholders(value);
        } catch (RuntimeException e) {
            throw new ConfigurationException(where + ": " + name(member) + " = \"" + value + "\": " + e.getMessage(), e);
        }
    }
}
