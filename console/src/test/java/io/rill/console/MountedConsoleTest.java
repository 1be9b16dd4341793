package io.rill.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

/**
 * The console mounted into a Micronaut application: off unless enabled, under its path, behind basic
 * authentication when a user is configured, refusing everyone when nothing says who may see it; and the
 * standalone jar's entry point, bound to localhost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("try") // contexts held open by try-with-resources
class MountedConsoleTest {

    final RedisServer server = RedisServer.start();
    final RedisFixture redis = new RedisFixture(server);

    @AfterAll
    void stop() {
        redis.close();
        server.close();
    }

    @Test
    void offByDefault() throws Exception {
        redis.add("mounted:orders", "n", "1");
        try (ApplicationContext app = ApplicationContext.run(EmbeddedServer.class,
                Map.of("redis.uri", server.uri(), "micronaut.server.port", -1)).getApplicationContext()) {
            EmbeddedServer http = app.getBean(EmbeddedServer.class);
            assertFalse(app.containsBean(ConsoleController.class));
            assertFalse(app.containsBean(ConsoleRedis.class));
            HttpResponse<String> page = new Consoles.Client().get("http://127.0.0.1:" + http.getPort() + "/rill-console/");
            assertEquals(404, page.statusCode());
            assertFalse(page.body().contains("mounted:orders"));
        }
    }

    @Test
    void basicAuthenticationWhenAUserIsConfigured() throws Exception {
        redis.add("mounted:orders", "n", "1");
        EmbeddedServer http = Consoles.start(server, Map.of("rill.console.anonymous", false, "rill.console.path", "/ops/redis",
                "rill.console.username", "ops", "rill.console.password", "s3cret"));
        try (ApplicationContext app = http.getApplicationContext()) {
            String url = "http://127.0.0.1:" + http.getPort() + "/ops/redis/";
            Consoles.Client client = new Consoles.Client();

            HttpResponse<String> anonymous = client.get(url);
            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm=\"Rill console\""));
            assertFalse(anonymous.body().contains("mounted:orders"));
            assertEquals(401, client.get(url, "Authorization", AccessTest.basic("ops", "wrong")).statusCode());
            assertEquals(401, client.get(url + "stream?key=mounted:orders", "Authorization", AccessTest.basic("admin", "s3cret")).statusCode());
            // actions too: a POST without the login is not even looked at
            assertEquals(401, client.post(url + "action", Map.of("action", "redrive-all", "key", "mounted:orders:dlq")).statusCode());

            HttpResponse<String> page = client.get(url, "Authorization", AccessTest.basic("ops", "s3cret"));
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("mounted:orders"), page.body());
            assertEquals(404, client.get("http://127.0.0.1:" + http.getPort() + "/rill-console/", "Authorization",
                    AccessTest.basic("ops", "s3cret")).statusCode(), "only under rill.console.path");
        }
    }

    @Test
    void enabledWithoutAnyAccessRuleRefusesEveryone() throws Exception {
        EmbeddedServer http = Consoles.start(server, Map.of("rill.console.anonymous", false));
        try (ApplicationContext app = http.getApplicationContext()) {
            HttpResponse<String> page = new Consoles.Client().get(Consoles.url(http));
            assertEquals(403, page.statusCode());
            assertTrue(page.body().contains("rill.console.username"), page.body());
        }
    }

    @Test
    void theStandaloneConsoleBindsToLocalhostAndServesAtTheRoot() throws Exception {
        redis.add("standalone:orders", "n", "1");
        try (ApplicationContext app = ConsoleApplication.start("--redis.uri=" + server.uri(), "--micronaut.server.port=-1")) {
            EmbeddedServer http = app.getBean(EmbeddedServer.class);
            assertEquals("127.0.0.1", app.getProperty("micronaut.server.host", String.class).orElseThrow());
            HttpResponse<String> page = new Consoles.Client().get("http://127.0.0.1:" + http.getPort() + "/");
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("standalone:orders"), page.body());
        }
        // on an address other machines reach, it wants a login
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> ConsoleApplication
                .start("--redis.uri=" + server.uri(), "--micronaut.server.port=-1", "--micronaut.server.host=0.0.0.0").close());
        assertTrue(refused.getMessage().contains("--rill.console.username"), refused.getMessage());
    }
}
