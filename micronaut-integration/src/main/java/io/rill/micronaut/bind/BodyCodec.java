package io.rill.micronaut.bind;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import io.micronaut.core.type.Argument;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.ObjectMapper;
import io.micronaut.serde.exceptions.SerdeException;
import io.rill.StreamEntry;

/**
 * Turns entries into typed bodies and back, through Micronaut Serde:
 * <ul>
 *   <li>an entry with the body field ({@code payload} unless {@code rill.body-field} says otherwise) holds
 *       the body as JSON in that field;</li>
 *   <li>an entry without it is read field by field into the type (a {@code @Serdeable} bean or record);</li>
 *   <li>{@code Map} bodies are the fields themselves, {@code String} bodies the body field's raw text.</li>
 * </ul>
 * Writing mirrors this: a Map becomes the fields, a String the body field, anything else JSON in the body field.
 */
public final class BodyCodec {

    private final ObjectMapper mapper;
    private final String bodyField;

    public BodyCodec(ObjectMapper mapper, String bodyField) {
        this.mapper = mapper;
        this.bodyField = bodyField;
    }

    public String bodyField() {
        return bodyField;
    }

    /**
     * Fails unless Serde can read {@code type} (checked at startup).
     *
     * @throws IllegalArgumentException saying how to make the type readable
     */
    public void requireReadable(Argument<?> type) {
        if (isFields(type) || isText(type)) {
            return;
        }
        try {
            mapper.getSerdeRegistry().findDeserializer(type);
        } catch (SerdeException | RuntimeException e) {
            throw new IllegalArgumentException("Micronaut Serde cannot read " + type.getTypeName()
                    + ": annotate it with @Serdeable (and run the micronaut-serde-processor) [" + e.getMessage() + "]", e);
        }
    }

    /** Reads the body of an entry as {@code type}. */
    public Object read(StreamEntry entry, Argument<?> type) {
        if (isFields(type)) {
            return entry.fields();
        }
        String json = entry.field(bodyField);
        if (isText(type)) {
            if (json == null) {
                throw new EntryBindingException(entry, "the body field '" + bodyField + "' is missing", null);
            }
            return json;
        }
        try {
            if (json != null) {
                return mapper.readValue(json, type);
            }
            Map<String, JsonNode> nodes = new LinkedHashMap<>();
            entry.fields().forEach((name, value) -> nodes.put(name, JsonNode.createStringNode(value)));
            return mapper.readValueFromTree(JsonNode.createObjectNode(nodes), type);
        } catch (IOException | RuntimeException e) {
            // the parser's message quotes the input: name the field, its length and the type, never the value
            String from = json != null ? "the JSON in field '" + bodyField + "' (" + EntryBindingException.length(json) + ")"
                    : "the fields " + entry.fields().keySet();
            throw new EntryBindingException(entry, from + " cannot be read as " + type.getTypeName() + " ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** The fields that carry {@code body} in an entry. */
    public Map<String, String> write(Object body) {
        if (body == null) {
            throw new IllegalArgumentException("a null body cannot be written to a stream");
        }
        if (body instanceof StreamEntry entry) {
            return entry.fields();
        }
        if (body instanceof Map<?, ?> map) {
            Map<String, String> fields = new LinkedHashMap<>();
            map.forEach((k, v) -> fields.put(String.valueOf(k), String.valueOf(v)));
            return fields;
        }
        if (body instanceof CharSequence text) {
            return Map.of(bodyField, text.toString());
        }
        try {
            return Map.of(bodyField, mapper.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalArgumentException("Micronaut Serde cannot write " + body.getClass().getName()
                    + " (annotate it with @Serdeable): " + e.getMessage(), e);
        }
    }

    private static boolean isFields(Argument<?> type) {
        return Map.class.isAssignableFrom(type.getType());
    }

    private static boolean isText(Argument<?> type) {
        return type.getType() == String.class || type.getType() == CharSequence.class;
    }
}
