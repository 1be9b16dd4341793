package io.rill.spring.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.rill.StreamEntry;
import io.rill.spring.EntryBindingException;

import org.springframework.core.ResolvableType;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns entries into typed bodies and back, through the application's Jackson 3 {@link JsonMapper}:
 * <ul>
 *   <li>an entry with the body field ({@code payload} unless {@code rill.body-field} says otherwise) holds
 *       the body as JSON in that field;</li>
 *   <li>an entry without it is read field by field into the type; keys flattened by Spring Data Redis's
 *       {@code ObjectHashMapper} ({@code address.city}, {@code items.[0].sku}, {@code tags.[key]}) are nested
 *       again and its {@code _class} type hints dropped;</li>
 *   <li>{@code Map} bodies are the fields themselves ({@code Map<String, byte[]>}: their bytes), {@code String}
 *       bodies the body field's raw text, {@code byte[]} bodies its bytes, exactly as Redis holds them.</li>
 * </ul>
 * Writing mirrors this: a Map becomes the fields, a String or byte[] the body field, anything else JSON in
 * the body field.
 */
public final class BodyCodec {

    private static final String TYPE_HINT = "_class";

    private final JsonMapper mapper;
    private final String bodyField;

    public BodyCodec(JsonMapper mapper, String bodyField) {
        this.mapper = mapper;
        this.bodyField = bodyField;
    }

    public String bodyField() {
        return bodyField;
    }

    /** Reads the body of an entry as {@code type}. */
    public Object read(StreamEntry entry, ResolvableType type) {
        Class<?> raw = type.resolve(Object.class);
        if (Map.class.isAssignableFrom(raw)) {
            return type.asMap().getGeneric(1).resolve() == byte[].class ? entry.byteFields() : entry.fields();
        }
        if (raw == byte[].class) {
            byte[] bytes = entry.bytes(bodyField); // not decoded: binary bodies stay exact
            if (bytes == null) {
                throw new EntryBindingException(entry, "the body field '" + bodyField + "' is missing", null);
            }
            return bytes;
        }
        String json = entry.field(bodyField);
        if (raw == String.class || raw == CharSequence.class) {
            if (json == null) {
                throw new EntryBindingException(entry, "the body field '" + bodyField + "' is missing", null);
            }
            return json;
        }
        JavaType target = javaType(type);
        try {
            if (json != null) {
                return mapper.readValue(json, target);
            }
            return mapper.convertValue(nest(entry.fields()), target);
        } catch (JacksonException | IllegalArgumentException e) {
            // the parser's message quotes the input: name the field, its length and the type, never the value
            String from = json != null ? "the JSON in field '" + bodyField + "' (" + EntryBindingException.length(json) + ")"
                    : "the fields " + entry.fields().keySet();
            throw new EntryBindingException(entry, from + " cannot be read as " + type + " ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Jackson's type for Spring's: generics resolved through the declaring method's (a List<T>'s element type). */
    private JavaType javaType(ResolvableType type) {
        Class<?> raw = type.resolve(Object.class);
        if (raw.isArray()) {
            return mapper.getTypeFactory().constructArrayType(javaType(type.getComponentType()));
        }
        if (!type.hasGenerics()) {
            return mapper.getTypeFactory().constructType(raw);
        }
        ResolvableType[] generics = type.getGenerics();
        JavaType[] parameters = new JavaType[generics.length];
        for (int i = 0; i < generics.length; i++) {
            parameters[i] = javaType(generics[i]);
        }
        return mapper.getTypeFactory().constructParametricType(raw, parameters);
    }

    /**
     * The fields as a tree: flat fields as they are; {@code ObjectHashMapper}'s {@code a.b} and {@code a.[0]}
     * keys nested into objects and lists, its {@code _class} hints left out.
     */
    static Map<String, Object> nest(Map<String, String> fields) {
        Map<String, Object> root = new LinkedHashMap<>();
        for (Map.Entry<String, String> field : fields.entrySet()) {
            String[] path = field.getKey().split("\\.");
            if (path[path.length - 1].equals(TYPE_HINT)) {
                continue;
            }
            Object node = root;
            for (int i = 0; i < path.length; i++) {
                boolean last = i == path.length - 1;
                Object next = last ? field.getValue() : isIndex(path[i + 1]) ? new ArrayList<>() : new LinkedHashMap<>();
                node = child(node, path[i], next, last);
                if (node == null) {
                    break; // a key both a value and a parent: the value stays, the rest is dropped
                }
            }
        }
        return root;
    }

    @SuppressWarnings("unchecked")
    private static Object child(Object node, String segment, Object next, boolean last) {
        if (node instanceof List<?> list && isIndex(segment)) {
            List<Object> items = (List<Object>) list;
            int index = Integer.parseInt(segment.substring(1, segment.length() - 1));
            while (items.size() <= index) {
                items.add(null);
            }
            if (items.get(index) == null || last) {
                items.set(index, next);
            }
            return last ? null : items.get(index);
        }
        if (node instanceof Map<?, ?> map) {
            String key = segment.startsWith("[") && segment.endsWith("]") ? segment.substring(1, segment.length() - 1) : segment;
            Map<String, Object> children = (Map<String, Object>) map;
            Object existing = children.get(key);
            if (existing == null || last) {
                children.put(key, next);
                existing = next;
            }
            return last ? null : existing;
        }
        return null;
    }

    private static boolean isIndex(String segment) {
        return segment.length() > 2 && segment.startsWith("[") && segment.endsWith("]")
                && segment.substring(1, segment.length() - 1).chars().allMatch(Character::isDigit);
    }

    /** The fields that carry {@code body} in an entry, values as bytes ({@code byte[]} values kept exactly). */
    public Map<String, byte[]> write(Object body) {
        if (body == null) {
            throw new IllegalArgumentException("a null body cannot be written to a stream");
        }
        if (body instanceof byte[] bytes) {
            return Map.of(bodyField, bytes);
        }
        if (body instanceof StreamEntry entry) {
            return entry.byteFields();
        }
        Map<String, byte[]> fields = new LinkedHashMap<>();
        if (body instanceof Map<?, ?> map) {
            map.forEach((k, v) -> fields.put(String.valueOf(k), v instanceof byte[] b ? b : utf8(String.valueOf(v))));
            return fields;
        }
        if (body instanceof CharSequence text) {
            return Map.of(bodyField, utf8(text.toString()));
        }
        try {
            return Map.of(bodyField, utf8(mapper.writeValueAsString(body)));
        } catch (JacksonException e) {
            throw new IllegalArgumentException("Jackson cannot write " + body.getClass().getName() + ": " + e.getMessage(), e);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
