package io.rill.console;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading XINFO replies, which come as a flat name/value list (RESP2) or as a map (RESP3). */
final class Replies {

    private Replies() {
    }

    /** A reply as a map from field name to value; empty when it is neither a list nor a map. */
    static Map<String, Object> map(Object reply) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (reply instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(string(k), v));
        } else if (reply instanceof List<?> list) {
            for (int i = 0; i + 1 < list.size(); i += 2) {
                out.put(string(list.get(i)), list.get(i + 1));
            }
        }
        return out;
    }

    static String string(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (value instanceof java.nio.ByteBuffer buffer) {
            return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
        }
        return value.toString();
    }

    /** A number, or null when the value is nil or not a number. */
    static Long number(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        String s = string(value);
        if (s == null) {
            return null;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The ID of an entry reply ({@code [id, [field, value, ...]]}), or null for nil. */
    static String entryId(Object entry) {
        if (entry instanceof List<?> list && !list.isEmpty()) {
            return string(list.get(0));
        }
        return null;
    }

    /** The field names of an entry reply, in order. */
    static List<String> entryFieldNames(Object entry) {
        java.util.ArrayList<String> names = new java.util.ArrayList<>();
        if (entry instanceof List<?> list && list.size() > 1) {
            Object body = list.get(1);
            if (body instanceof List<?> fields) {
                for (int i = 0; i < fields.size(); i += 2) {
                    names.add(string(fields.get(i)));
                }
            } else if (body instanceof Map<?, ?> fields) {
                fields.keySet().forEach(k -> names.add(string(k)));
            }
        }
        return names;
    }
}
