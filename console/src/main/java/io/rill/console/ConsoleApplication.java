package io.rill.console;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import io.micronaut.runtime.Micronaut;

/**
 * The standalone console: {@code java -jar rill-console-<version>-standalone.jar --redis.uri=redis://host:6379}.
 * Any property can be given as {@code --name=value} or as an environment variable
 * ({@code RILL_CONSOLE_READ_ONLY=true}); both override the defaults here: the console is enabled at
 * {@code /}, binds to 127.0.0.1 on port 8080 and asks for no login, since only this machine can reach it.
 * Bound to another address ({@code --micronaut.server.host=0.0.0.0}) it wants a user
 * ({@code --rill.console.username=… --rill.console.password=…}), or says {@code --rill.console.anonymous=true}
 * explicitly; else it does not start.
 */
public final class ConsoleApplication {

    /** Below every other source (environment -200, system properties -100, command line 0): anything given wins. */
    static final int DEFAULTS_ORDER = -1000;

    private ConsoleApplication() {
    }

    public static void main(String[] args) {
        ApplicationContext context;
        try {
            context = start(args);
        } catch (IllegalStateException e) {
            System.err.println("rill-console: " + e.getMessage());
            System.exit(2);
            return;
        }
        String host = context.getProperty("micronaut.server.host", String.class).orElse("127.0.0.1");
        int port = context.getProperty("micronaut.server.port", Integer.class).orElse(8080);
        System.out.println("Rill console: http://" + host + ":" + port + context.getBean(ConsoleConfiguration.class).base() + "/");
    }

    static ApplicationContext start(String... args) {
        Map<String, Object> defaults = new HashMap<>();
        defaults.put("rill.console.enabled", true);
        defaults.put("rill.console.path", "/");
        defaults.put("rill.console.anonymous", true);
        defaults.put("micronaut.server.host", "127.0.0.1");
        defaults.put("micronaut.server.port", 8080);
        ApplicationContext context = Micronaut.build(args)
                .propertySources(PropertySource.of("rill-console-defaults", defaults, DEFAULTS_ORDER))
                .banner(false)
                .build();
        context.start(); // the context, not yet the server: the access check below comes first
        String host = context.getProperty("micronaut.server.host", String.class).orElse("127.0.0.1");
        boolean user = context.getProperty("rill.console.username", String.class).filter(s -> !s.isBlank()).isPresent();
        boolean anonymousGiven = System.getenv("RILL_CONSOLE_ANONYMOUS") != null;
        for (String arg : args) {
            anonymousGiven |= arg.startsWith("--rill.console.anonymous");
        }
        if (!user && !anonymousGiven && !loopback(host)) {
            context.close();
            throw new IllegalStateException("bound to " + host + ", which other machines can reach, without a login: give "
                    + "--rill.console.username=… --rill.console.password=…, or --rill.console.anonymous=true if that is really meant");
        }
        try {
            context.getBean(io.micronaut.runtime.server.EmbeddedServer.class).start();
        } catch (RuntimeException e) {
            context.close(); // a port in use, say: stop, rather than run on without a server
            throw new IllegalStateException("the HTTP server did not start: " + e.getMessage(), e);
        }
        return context;
    }

    static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
