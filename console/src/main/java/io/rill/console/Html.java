package io.rill.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Escaping for everything the console writes into a page. Stream keys, field names and values are
 * untrusted: whoever can write to Redis chooses them, so each goes through {@link #text} (element
 * content and quoted attribute values alike) or {@link #param} (a URL query value) and nothing is ever
 * written raw.
 */
public final class Html {

    private Html() {
    }

    /** {@code s} safe as element content and as a double- or single-quoted attribute value. */
    public static String text(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String replacement = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                case '`' -> "&#96;";
                default -> null;
            };
            if (replacement == null && Character.isISOControl(c) && c != '\n' && c != '\t' && c != '\r') {
                // control characters have no business in a page: show them as their code
                replacement = String.format("\\u%04x", (int) c);
            }
            if (replacement != null) {
                if (out == null) {
                    out = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                out.append(replacement);
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }

    /** {@code s} as a URL query value, then escaped for the attribute it goes into. */
    public static String param(String s) {
        return text(URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8));
    }
}
