package io.rill.spring.internal;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import io.rill.Acknowledgement;
import io.rill.StreamEntry;
import io.rill.spring.Body;
import io.rill.spring.DeliveryCount;
import io.rill.spring.EntryBindingException;
import io.rill.spring.Field;
import io.rill.spring.MessageId;

import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.TypeDescriptor;

/**
 * How the parameters of one listener method are filled from an entry (or, for a batch method, from the
 * entries of one read). Built once at startup, where every parameter must be bindable; binding an entry
 * later throws {@link EntryBindingException}.
 *
 * <ul>
 *   <li>{@code StreamEntry}: the raw entry;</li>
 *   <li>{@code io.rill.Acknowledgement}: the method acknowledges itself (manual ack);</li>
 *   <li>{@code @MessageId String}: the entry ID; {@code @DeliveryCount OptionalLong|Long}: the delivery count;</li>
 *   <li>{@code @Field("name")}: one field, converted to the parameter type ({@code byte[]}: its bytes); missing
 *       is an error unless the parameter is {@code @Nullable} or an {@code Optional};</li>
 *   <li>{@code @Body}, or the one parameter left: the body, read by {@link BodyCodec}.</li>
 * </ul>
 * A batch method takes one {@code List<T>} (T a body type or {@code StreamEntry}) and optionally an
 * Acknowledgement.
 */
public final class MethodBinding {

    /** Fills one parameter. */
    @FunctionalInterface
    private interface Binder {
        Object bind(StreamEntry entry, Acknowledgement ack);
    }

    private final Binder[] binders;
    private final boolean batch;
    private final int listIndex;
    private final Binder element;
    private final boolean manual;

    private MethodBinding(Binder[] binders, boolean batch, int listIndex, Binder element, boolean manual) {
        this.binders = binders;
        this.batch = batch;
        this.listIndex = listIndex;
        this.element = element;
        this.manual = manual;
    }

    /**
     * Plans the binding of a method's parameters.
     *
     * @throws IllegalArgumentException naming the parameter that can't be bound, and how to fix it
     */
    public static MethodBinding of(Method method, boolean batch, BodyCodec codec, ConversionService conversion) {
        int count = method.getParameterCount();
        Binder[] binders = new Binder[count];
        boolean manual = false;
        int body = -1;
        Binder element = null;
        for (int i = 0; i < count; i++) {
            MethodParameter parameter = new MethodParameter(method, i);
            parameter.initParameterNameDiscovery(new DefaultParameterNameDiscoverer());
            Class<?> type = parameter.getParameterType();
            String name = parameter.getParameterName() != null ? parameter.getParameterName() : "arg" + i;
            ResolvableType resolvable = ResolvableType.forMethodParameter(parameter);
            String where = "parameter '" + name + "' (" + resolvable + ")";
            if (type == Acknowledgement.class) {
                if (manual) {
                    throw new IllegalArgumentException(where + ": the method already takes an Acknowledgement");
                }
                manual = true;
                binders[i] = (entry, ack) -> ack;
            } else if (batch) {
                if (!Collection.class.isAssignableFrom(type) || !type.isAssignableFrom(List.class) || body >= 0) {
                    throw new IllegalArgumentException(where + ": a batch method takes one List<T> of bodies or of "
                            + "StreamEntry, and optionally an Acknowledgement; nothing else");
                }
                body = i;
                ResolvableType elementType = resolvable.asCollection().getGeneric(0);
                element = bodyBinder(elementType.resolve() == null ? ResolvableType.forClass(StreamEntry.class) : elementType,
                        codec);
            } else if (parameter.hasParameterAnnotation(MessageId.class)) {
                require(type == String.class, where, "@MessageId binds to a String");
                binders[i] = (entry, ack) -> entry.id();
            } else if (parameter.hasParameterAnnotation(DeliveryCount.class)) {
                if (type == OptionalLong.class) {
                    binders[i] = (entry, ack) -> entry.deliveryCount();
                } else {
                    require(type == Long.class, where, "@DeliveryCount binds to OptionalLong or Long (null when Redis "
                            + "did not report it; a plain XREADGROUP does not)");
                    binders[i] = (entry, ack) -> entry.deliveryCount().isPresent() ? entry.deliveryCount().getAsLong() : null;
                }
            } else if (parameter.hasParameterAnnotation(Field.class)) {
                binders[i] = fieldBinder(parameter, name, conversion, where);
            } else if (type == StreamEntry.class) {
                binders[i] = (entry, ack) -> entry;
            } else {
                if (!parameter.hasParameterAnnotation(Body.class) && !isBodyCandidate(type)) {
                    throw new IllegalArgumentException(where + ": cannot be bound: annotate it with @Body, "
                            + "@Field(\"field\"), @MessageId or @DeliveryCount");
                }
                if (body >= 0) {
                    throw new IllegalArgumentException(where + ": the method has a body parameter already; bind fields "
                            + "with @Field(\"field\"), the ID with @MessageId, the delivery count with @DeliveryCount");
                }
                body = i;
                binders[i] = bodyBinder(resolvable, codec);
            }
        }
        if (batch && body < 0) {
            throw new IllegalArgumentException("a batch method takes a List<T> of bodies or of StreamEntry");
        }
        return new MethodBinding(binders, batch, batch ? body : -1, element, manual);
    }

    /** True when the method takes an Acknowledgement and so settles its entries itself. */
    public boolean manual() {
        return manual;
    }

    public boolean batch() {
        return batch;
    }

    /** The arguments for one entry. */
    public Object[] bind(StreamEntry entry, Acknowledgement ack) {
        Object[] args = new Object[binders.length];
        for (int i = 0; i < binders.length; i++) {
            args[i] = binders[i].bind(entry, ack);
        }
        return args;
    }

    /** One element of a batch method's list. */
    public Object bindElement(StreamEntry entry) {
        return element.bind(entry, null);
    }

    /** The arguments for a batch, given its bound elements. */
    public Object[] bindBatch(List<Object> elements, Acknowledgement ack) {
        Object[] args = new Object[binders.length];
        for (int i = 0; i < binders.length; i++) {
            args[i] = i == listIndex ? elements : binders[i].bind(null, ack);
        }
        return args;
    }

    private static Binder bodyBinder(ResolvableType type, BodyCodec codec) {
        if (type.resolve() == StreamEntry.class) {
            return (entry, ack) -> entry;
        }
        return (entry, ack) -> codec.read(entry, type);
    }

    private static Binder fieldBinder(MethodParameter parameter, String name, ConversionService conversion, String where) {
        Field annotation = AnnotatedElementUtils.findMergedAnnotation(parameter.getParameter(), Field.class);
        String field = annotation != null && !annotation.value().isEmpty() ? annotation.value() : name;
        boolean optional = parameter.getParameterType() == Optional.class;
        TypeDescriptor target = optional ? new TypeDescriptor(parameter.nested()) : new TypeDescriptor(parameter);
        boolean nullable = optional || parameter.isOptional();
        boolean bytes = target.getType() == byte[].class; // the value's bytes, not decoded
        if (!bytes && target.getType() != String.class
                && !conversion.canConvert(TypeDescriptor.valueOf(String.class), target)) {
            throw new IllegalArgumentException(where + ": @Field(\"" + field + "\") cannot be converted from text to "
                    + target + "; bind it as a String, or register a Converter<String, " + target.getType().getSimpleName()
                    + ">");
        }
        TypeDescriptor text = TypeDescriptor.valueOf(String.class);
        return (entry, ack) -> {
            Object value = bytes ? entry.bytes(field) : entry.field(field);
            if (value == null) {
                if (nullable) {
                    return optional ? Optional.empty() : null;
                }
                throw new EntryBindingException(entry, "field '" + field + "' is missing (parameter '" + name
                        + "'; make it @Nullable or Optional if it may be absent)", null);
            }
            Object converted;
            if (bytes || target.getType() == String.class) {
                converted = value;
            } else {
                // never the value in the message (it may be personal data): its length
                String notConverted = "field '" + field + "' (" + EntryBindingException.length((String) value) + ") is not a "
                        + target + " (parameter '" + name + "')";
                try {
                    converted = conversion.convert(value, text, target);
                } catch (RuntimeException e) {
                    throw new EntryBindingException(entry, notConverted, e);
                }
                if (converted == null) {
                    throw new EntryBindingException(entry, notConverted, null);
                }
            }
            return optional ? Optional.of(converted) : converted;
        };
    }

    /** Everything but the scalar types that would more likely be a forgotten @Field. */
    private static boolean isBodyCandidate(Class<?> type) {
        return !(type.isPrimitive() || Number.class.isAssignableFrom(type) || type == Boolean.class);
    }

    private static void require(boolean condition, String where, String message) {
        if (!condition) {
            throw new IllegalArgumentException(where + ": " + message);
        }
    }
}
