package io.rill.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Who may see the console, and whether a POST comes from its own page.
 *
 * <p>Login, in this order: a configured user ({@code rill.console.username}/{@code password}) is asked for
 * with HTTP basic authentication; else {@code rill.console.anonymous} lets everyone in (the standalone
 * jar, bound to localhost); else, when micronaut-security is on the class path, the application's security
 * rules decide (the console adds none); else every request is refused with a page that says what to set.
 *
 * <p>Forgery: an action must carry the token of the {@value #CSRF_COOKIE} cookie in its form
 * (double submit; the cookie is SameSite=Strict and HttpOnly, so another site can neither send nor read
 * it), and when the browser names the page's origin ({@code Origin}, else {@code Referer}) its host must
 * be the request's {@code Host}.
 */
public final class Access {

    public static final String CSRF_COOKIE = "rill-console-csrf";
    public static final String CSRF_FIELD = "csrf";

    static final String SECURITY_CLASS = "io.micronaut.security.filters.SecurityFilter";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** How a request is let in. */
    public enum Decision {
        ALLOW, ASK_FOR_LOGIN, NOT_CONFIGURED
    }

    private final String username;
    private final String password;
    private final boolean anonymous;
    private final boolean applicationSecurity;

    public Access(String username, String password, boolean anonymous, boolean applicationSecurity) {
        this.username = blankToNull(username);
        this.password = blankToNull(password);
        this.anonymous = anonymous;
        this.applicationSecurity = applicationSecurity;
        if ((this.username == null) != (this.password == null)) {
            throw new IllegalArgumentException("rill.console.username and rill.console.password go together: set both or neither");
        }
    }

    static Access of(ConsoleConfiguration configuration) {
        return new Access(configuration.getUsername(), configuration.getPassword(), configuration.isAnonymous(),
                classPresent(SECURITY_CLASS));
    }

    /** The decision for a request with this {@code Authorization} header (or null). */
    public Decision check(String authorization) {
        if (username != null) {
            return basicMatches(authorization) ? Decision.ALLOW : Decision.ASK_FOR_LOGIN;
        }
        if (anonymous || applicationSecurity) {
            return Decision.ALLOW;
        }
        return Decision.NOT_CONFIGURED;
    }

    private boolean basicMatches(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return false;
        }
        // both compared in full, in constant time, so the answer's timing says nothing about either
        boolean user = MessageDigest.isEqual(decoded.substring(0, colon).getBytes(StandardCharsets.UTF_8),
                username.getBytes(StandardCharsets.UTF_8));
        boolean pass = MessageDigest.isEqual(decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8),
                password.getBytes(StandardCharsets.UTF_8));
        return user & pass;
    }

    /** A new random token for the CSRF cookie. */
    public static String newToken() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Whether a POST may act: the form's token equals the cookie's, and the page it came from (when the
     * browser says) is on the same host.
     */
    public static boolean sameOrigin(String cookieToken, String formToken, String host, String origin, String referer) {
        if (cookieToken == null || cookieToken.isEmpty() || formToken == null
                || !MessageDigest.isEqual(cookieToken.getBytes(StandardCharsets.UTF_8), formToken.getBytes(StandardCharsets.UTF_8))) {
            return false;
        }
        if ("null".equals(origin)) {
            return false; // an opaque origin (sandboxed frame, data: page) is never the console's own page
        }
        String from = origin != null && !origin.isBlank() ? origin : referer;
        if (from == null || from.isBlank()) {
            return true; // the browser says nothing: the token alone decides
        }
        return host != null && host.equalsIgnoreCase(authority(from).orElse(""));
    }

    /** {@code host[:port]} of an absolute URL. */
    static Optional<String> authority(String url) {
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return Optional.empty();
        }
        int start = scheme + 3;
        int end = start;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        String authority = url.substring(start, end);
        int at = authority.lastIndexOf('@');
        return Optional.of(at >= 0 ? authority.substring(at + 1) : authority);
    }

    static boolean classPresent(String name) {
        try {
            Class.forName(name, false, Access.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
