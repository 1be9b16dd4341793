package io.rill.micronaut.bind;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import io.micronaut.core.annotation.AnnotationMetadata;
import io.micronaut.core.convert.ConversionService;
import io.micronaut.core.type.Argument;
import io.micronaut.messaging.annotation.MessageBody;
import io.micronaut.messaging.annotation.MessageHeader;
import io.rill.Acknowledgement;
import io.rill.StreamEntry;
import io.rill.micronaut.annotation.DeliveryCount;
import io.rill.micronaut.annotation.MessageId;

/**
 * How the parameters of one listener method are filled from an entry (or, for a batch method, from the
 * entries of one read). Built once at startup, where every parameter must be bindable; binding an entry
 * later throws {@link EntryBindingException}.
 *
 * <ul>
 *   <li>{@code StreamEntry}: the raw entry;</li>
 *   <li>{@code io.rill.Acknowledgement} or {@code io.micronaut.messaging.Acknowledgement}: the method
 *       acknowledges itself (manual ack);</li>
 *   <li>{@code @MessageId String}: the entry ID; {@code @DeliveryCount OptionalLong|Long}: the delivery count;</li>
 *   <li>{@code @MessageHeader("name")}: one field, converted to the parameter type; missing is an error
 *       unless the parameter is {@code @Nullable} or an {@code Optional};</li>
 *   <li>{@code @MessageBody}, or the one parameter left: the body, read by {@link BodyCodec}.</li>
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
    public static MethodBinding of(Argument<?>[] arguments, boolean batch, BodyCodec codec, ConversionService conversion) {
        Binder[] binders = new Binder[arguments.length];
        boolean manual = false;
        int body = -1;
        Binder element = null;
        for (int i = 0; i < arguments.length; i++) {
            Argument<?> argument = arguments[i];
            Class<?> type = argument.getType();
            AnnotationMetadata annotations = argument.getAnnotationMetadata();
            String where = "parameter '" + argument.getName() + "' (" + argument.getTypeString(true) + ")";
            if (isAcknowledgement(type)) {
                if (manual) {
                    throw new IllegalArgumentException(where + ": the method already takes an Acknowledgement");
                }
                manual = true;
                binders[i] = type == Acknowledgement.class ? (entry, ack) -> ack : (entry, ack) -> messaging(ack);
            } else if (batch) {
                if (!Collection.class.isAssignableFrom(type) || !type.isAssignableFrom(List.class) || body >= 0) {
                    throw new IllegalArgumentException(where + ": a batch method takes one List<T> of bodies or of "
                            + "StreamEntry, and optionally an Acknowledgement; nothing else");
                }
                body = i;
                Argument<?> elementType = argument.getFirstTypeVariable().orElse(Argument.of(StreamEntry.class));
                element = bodyBinder(elementType, codec, where);
            } else if (annotations.hasAnnotation(MessageId.class)) {
                require(type == String.class, where, "@MessageId binds to a String");
                binders[i] = (entry, ack) -> entry.id();
            } else if (annotations.hasAnnotation(DeliveryCount.class)) {
                if (type == OptionalLong.class) {
                    binders[i] = (entry, ack) -> entry.deliveryCount();
                } else {
                    require(type == Long.class, where, "@DeliveryCount binds to OptionalLong or Long (null when Redis "
                            + "did not report it; a plain XREADGROUP does not)");
                    binders[i] = (entry, ack) -> entry.deliveryCount().isPresent() ? entry.deliveryCount().getAsLong() : null;
                }
            } else if (annotations.hasAnnotation(MessageHeader.class)) {
                binders[i] = fieldBinder(argument, annotations, conversion);
            } else if (type == StreamEntry.class) {
                binders[i] = (entry, ack) -> entry;
            } else {
                if (!annotations.hasAnnotation(MessageBody.class) && !isBodyCandidate(type)) {
                    throw new IllegalArgumentException(where + ": cannot be bound: annotate it with @MessageBody, "
                            + "@MessageHeader(\"field\"), @MessageId or @DeliveryCount");
                }
                if (body >= 0) {
                    throw new IllegalArgumentException(where + ": the method has a body parameter already ('"
                            + arguments[body].getName() + "'); bind fields with @MessageHeader(\"field\"), the ID with "
                            + "@MessageId, the delivery count with @DeliveryCount");
                }
                body = i;
                binders[i] = bodyBinder(argument, codec, where);
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

    private static Binder bodyBinder(Argument<?> argument, BodyCodec codec, String where) {
        if (argument.getType() == StreamEntry.class) {
            return (entry, ack) -> entry;
        }
        try {
            codec.requireReadable(argument);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        return (entry, ack) -> codec.read(entry, argument);
    }

    private static Binder fieldBinder(Argument<?> argument, AnnotationMetadata annotations, ConversionService conversion) {
        String field = annotations.stringValue(MessageHeader.class).filter(s -> !s.isEmpty())
                .or(() -> annotations.stringValue(MessageHeader.class, "name").filter(s -> !s.isEmpty()))
                .orElse(argument.getName());
        boolean optional = argument.getType() == Optional.class;
        Argument<?> target = optional ? argument.getFirstTypeVariable().orElse(Argument.STRING) : argument;
        boolean nullable = optional || argument.isNullable();
        return (entry, ack) -> {
            String value = entry.field(field);
            if (value == null) {
                if (nullable) {
                    return optional ? Optional.empty() : null;
                }
                throw new EntryBindingException(entry, "field '" + field + "' is missing (parameter '" + argument.getName()
                        + "'; make it @Nullable or Optional if it may be absent)", null);
            }
            Object converted;
            if (target.getType() == String.class) {
                converted = value;
            } else {
                // never the value in the message (it may be personal data): its length
                String notConverted = "field '" + field + "' (" + EntryBindingException.length(value) + ") is not a "
                        + target.getTypeName() + " (parameter '" + argument.getName() + "')";
                Optional<?> result;
                try {
                    result = conversion.convert(value, target);
                } catch (RuntimeException e) {
                    throw new EntryBindingException(entry, notConverted, e);
                }
                converted = result.orElseThrow(() -> new EntryBindingException(entry, notConverted, null));
            }
            return optional ? Optional.of(converted) : converted;
        };
    }

    private static boolean isAcknowledgement(Class<?> type) {
        return type == Acknowledgement.class || type == io.micronaut.messaging.Acknowledgement.class;
    }

    /** Everything but the scalar types that would more likely be a forgotten @MessageHeader. */
    private static boolean isBodyCandidate(Class<?> type) {
        return !(type.isPrimitive() || Number.class.isAssignableFrom(type) || type == Boolean.class);
    }

    private static io.micronaut.messaging.Acknowledgement messaging(Acknowledgement ack) {
        return new io.micronaut.messaging.Acknowledgement() {
            @Override
            public void ack() {
                ack.ack();
            }

            @Override
            public void nack() {
                ack.nack();
            }
        };
    }

    private static void require(boolean condition, String where, String message) {
        if (!condition) {
            throw new IllegalArgumentException(where + ": " + message);
        }
    }
}
