package io.rill.console;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.rill.testing.RedisServer;

/** Consoles for the tests: a Micronaut server with the console on a free port, and a plain HTTP client. */
final class Consoles {

    private Consoles() {
    }

    /** A console at {@code /rill-console} over {@code redis}, without login or reload unless {@code extra} says so. */
    static EmbeddedServer start(RedisServer redis, Map<String, Object> extra) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("redis.uri", redis.uri());
        properties.put("micronaut.server.port", -1);
        properties.put("micronaut.server.host", "127.0.0.1");
        properties.put("rill.console.enabled", true);
        properties.put("rill.console.anonymous", true);
        properties.put("rill.console.refresh", "0s");
        properties.putAll(extra);
        return ApplicationContext.run(EmbeddedServer.class, properties);
    }

    /** The console's root page on {@code server}. */
    static String url(EmbeddedServer server) {
        return "http://127.0.0.1:" + server.getPort() + "/rill-console/";
    }

    /** An HTTP client that keeps cookies, as a browser would, but sends whatever a test wants. */
    static final class Client {
        final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();

        HttpResponse<String> get(String url, String... headers) throws IOException, InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
            if (headers.length > 0) {
                request.headers(headers);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> post(String url, Map<String, String> form, String... headers) throws IOException, InterruptedException {
            StringJoiner body = new StringJoiner("&");
            form.forEach((k, v) -> body.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
            if (headers.length > 0) {
                request.headers(headers);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    /** The CSRF token a page put into its forms. */
    static String token(String html) {
        Matcher m = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]+)\"").matcher(html);
        if (!m.find()) {
            throw new AssertionError("no CSRF token in the page: " + html);
        }
        return m.group(1);
    }
}
