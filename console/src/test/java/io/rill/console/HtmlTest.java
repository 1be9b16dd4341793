package io.rill.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** Escaping: whatever a stream's writer put in a key, field or value is shown, never interpreted. */
class HtmlTest {

    @Test
    void escapesMarkupQuotesAndAmpersands() {
        assertEquals("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#96;z&#96;",
                Html.text("<script>alert(\"x\")</script> & 'y' `z`"));
    }

    @Test
    void plainTextIsReturnedAsItIs() {
        String s = "orders:{3}:dlq 1763829450123-0 äöü ✓";
        assertSame(s, Html.text(s));
        assertEquals("", Html.text(null));
    }

    @Test
    void controlCharactersAreShownAsTheirCode() {
        assertEquals("a\\u0000b\\u001bc\tline\n", Html.text("a\u0000b\u001bc\tline\n"));
    }

    @Test
    void aQueryValueIsUrlEncodedThenEscaped() {
        String param = Html.param("a&b=\"c\" <d>/{e}");
        assertEquals("a%26b%3D%22c%22+%3Cd%3E%2F%7Be%7D", param);
        assertFalse(Html.param("x\"onmouseover=alert(1)").contains("\""));
    }
}
