package io.rill.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import io.rill.console.Access.Decision;

/** Who gets in, and which POSTs may act. */
class AccessTest {

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aConfiguredUserIsAskedFor() {
        Access access = new Access("ops", "s3cret", true, true); // a user wins over anonymous and the app's security
        assertEquals(Decision.ASK_FOR_LOGIN, access.check(null));
        assertEquals(Decision.ASK_FOR_LOGIN, access.check(basic("ops", "wrong")));
        assertEquals(Decision.ASK_FOR_LOGIN, access.check(basic("other", "s3cret")));
        assertEquals(Decision.ASK_FOR_LOGIN, access.check("Basic %%%"));
        assertEquals(Decision.ASK_FOR_LOGIN, access.check("Bearer abc"));
        assertEquals(Decision.ALLOW, access.check(basic("ops", "s3cret")));
        assertEquals(Decision.ALLOW, access.check(basic("ops", "s3cret").replace("Basic", "basic")));
    }

    @Test
    void withoutAUserNobodyGetsInUnlessSomethingElseDecides() {
        assertEquals(Decision.NOT_CONFIGURED, new Access(null, null, false, false).check(null));
        assertEquals(Decision.ALLOW, new Access(null, null, true, false).check(null));
        assertEquals(Decision.ALLOW, new Access("", " ", false, true).check(null)); // micronaut-security decides
    }

    @Test
    void userAndPasswordGoTogether() {
        assertThrows(IllegalArgumentException.class, () -> new Access("ops", null, false, false));
    }

    @Test
    void anActionNeedsTheCookiesTokenAndTheSameOrigin() {
        String token = Access.newToken();
        assertNotEquals(token, Access.newToken());
        assertTrue(Access.sameOrigin(token, token, "localhost:8080", "http://localhost:8080", null));
        assertTrue(Access.sameOrigin(token, token, "localhost:8080", null, "http://localhost:8080/stream?key=x"));
        assertTrue(Access.sameOrigin(token, token, "localhost:8080", null, null)); // the token alone
        assertFalse(Access.sameOrigin(token, "other", "localhost:8080", "http://localhost:8080", null));
        assertFalse(Access.sameOrigin(null, null, "localhost:8080", "http://localhost:8080", null));
        assertFalse(Access.sameOrigin(token, null, "localhost:8080", "http://localhost:8080", null));
        assertFalse(Access.sameOrigin(token, token, "localhost:8080", "http://evil.example", null));
        assertFalse(Access.sameOrigin(token, token, "localhost:8080", null, "http://evil.example/localhost:8080"));
        assertFalse(Access.sameOrigin(token, token, "localhost:8080", "null", null));
    }
}
