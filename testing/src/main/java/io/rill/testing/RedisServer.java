package io.rill.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Redis for tests.
 *
 * <p>{@link #start()} takes, in order: the server named by the {@code REDIS_URI} environment variable;
 * a {@code redis:7.0} container when Docker answers; a {@code redis-server} binary from the PATH on a
 * free port in a temp dir. {@link #startLocal()} always runs the binary, for fault tests that kill and
 * restart the server ({@link #kill()}, {@link #restart()}, {@link #stop()} work on local processes only).
 *
 * <p>{@link #close()} stops what this object started and deletes its temp dir; a server named by
 * {@code REDIS_URI} is left alone. A JVM shutdown hook kills local servers that were never closed.
 */
public final class RedisServer implements AutoCloseable {

    /** Environment variable naming an existing server, e.g. {@code redis://127.0.0.1:6379}. */
    public static final String REDIS_URI_ENV = "REDIS_URI";

    static final String HOW_TO_GET_REDIS = "To run tests against Redis, do one of: "
            + "(1) set " + REDIS_URI_ENV + " to a server the tests may write to, e.g. REDIS_URI=redis://127.0.0.1:6379; "
            + "(2) start Docker so Testcontainers can run " + DockerRedis.IMAGE + "; "
            + "(3) install redis-server on the PATH, e.g. `sudo apt-get install redis-server` (Debian/Ubuntu) "
            + "or `brew install redis` (macOS).";

    private static final Logger log = LoggerFactory.getLogger(RedisServer.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private enum Kind { EXTERNAL, CONTAINER, LOCAL }

    private final Kind kind;
    private final String uri;
    private final String host;
    private final int port;
    private final LocalRedis local;              // LOCAL only
    private final BooleanSupplier containerUp;   // CONTAINER only
    private final Runnable stopContainer;        // CONTAINER only
    private final AtomicBoolean closed = new AtomicBoolean();

    private RedisServer(Kind kind, String uri, String host, int port, LocalRedis local,
                        BooleanSupplier containerUp, Runnable stopContainer) {
        this.kind = kind;
        this.uri = uri;
        this.host = host;
        this.port = port;
        this.local = local;
        this.containerUp = containerUp;
        this.stopContainer = stopContainer;
    }

    /** {@code REDIS_URI}, else a Docker container, else a local redis-server; see the class comment. */
    public static RedisServer start() {
        return start(System.getenv(), DockerRedis::available);
    }

    /** {@link #start()} with its inputs made explicit, for tests of the fallback order. */
    static RedisServer start(Map<String, String> env, BooleanSupplier dockerAvailable) {
        String external = env.get(REDIS_URI_ENV);
        if (external != null && !external.isBlank()) {
            RedisServer server = external(external.strip());
            log.info("Using the Redis named by {}: {}:{}", REDIS_URI_ENV, server.host, server.port);
            return server;
        }
        boolean haveBinary = LocalRedis.findBinary(env.get("PATH")).isPresent();
        if (dockerAvailable.getAsBoolean()) {
            try {
                RedisServer server = DockerRedis.start();
                log.info("Started a {} container at {}", DockerRedis.IMAGE, server.uri);
                return server;
            } catch (RuntimeException e) {
                if (!haveBinary) {
                    throw new IllegalStateException("Docker answers but the " + DockerRedis.IMAGE
                            + " container did not start. " + HOW_TO_GET_REDIS, e);
                }
                log.warn("The {} container did not start ({}); using the local redis-server instead",
                        DockerRedis.IMAGE, e.toString());
            }
        }
        if (!haveBinary) {
            throw new IllegalStateException("No Redis available: " + REDIS_URI_ENV + " is not set, Docker does not "
                    + "answer, and there is no redis-server on the PATH. " + HOW_TO_GET_REDIS);
        }
        return startLocal();
    }

    /** A local redis-server on a free port in a temp dir, no persistence. */
    public static RedisServer startLocal() {
        return startLocal(RedisServerOptions.defaults());
    }

    /** A local redis-server run as {@code options} say. */
    public static RedisServer startLocal(RedisServerOptions options) {
        return ofLocal(LocalRedis.start(options));
    }

    /** A handle on a process this JVM started (a data node, or a Sentinel). */
    static RedisServer ofLocal(LocalRedis local) {
        int port = local.port();
        return new RedisServer(Kind.LOCAL, "redis://" + LocalRedis.HOST + ":" + port, LocalRedis.HOST, port,
                local, null, null);
    }

    static RedisServer external(String uri) {
        URI parsed = URI.create(uri);
        if (parsed.getHost() == null) {
            throw new IllegalArgumentException(REDIS_URI_ENV + " must look like redis://host:port, was " + uri);
        }
        int port = parsed.getPort() == -1 ? 6379 : parsed.getPort();
        return new RedisServer(Kind.EXTERNAL, uri, parsed.getHost(), port, null, null, null);
    }

    static RedisServer container(String host, int port, BooleanSupplier isRunning, Runnable stop) {
        return new RedisServer(Kind.CONTAINER, "redis://" + host + ":" + port, host, port, null, isRunning, stop);
    }

    /** Where clients connect, e.g. {@code redis://127.0.0.1:6379} (for REDIS_URI: the value as given). */
    public String uri() {
        return uri;
    }

    public String host() {
        return host;
    }

    /** The port; a local server keeps it across {@link #restart()}. */
    public int port() {
        return port;
    }

    /**
     * The TLS address of a local server started with {@link RedisServerOptions.Builder#tls(boolean)}:
     * {@code rediss://127.0.0.1:<tls port>}. Clients trust {@link #tlsCertificates()}'s CA.
     */
    public String tlsUri() {
        LocalRedis process = requireTls("tlsUri()");
        return "rediss://" + LocalRedis.HOST + ":" + process.tlsPort();
    }

    /** The throwaway CA (and server certificate) of a local TLS server: its truststore for clients. */
    public TestCertificates tlsCertificates() {
        return requireTls("tlsCertificates()").certificates();
    }

    private LocalRedis requireTls(String operation) {
        LocalRedis process = requireLocal(operation);
        if (process.certificates() == null) {
            throw new UnsupportedOperationException(operation + " needs a server started with "
                    + "RedisServerOptions.builder().tls(true); " + this + " has no TLS port");
        }
        return process;
    }

    /** True when this is a redis-server process this JVM runs, so the fault controls work. */
    public boolean isLocalProcess() {
        return kind == Kind.LOCAL;
    }

    /** The local server's working directory (AOF, log, nodes.conf). */
    public Path dataDir() {
        return requireLocal("dataDir()").dataDir();
    }

    /** The server's {@code redis_version}. */
    public String version() {
        if (local != null) {
            return local.version();
        }
        String info = query(List.of("INFO", "server"));
        return Resp.infoField(info, "redis_version");
    }

    /**
     * Local: whether the process is alive. Container: whether it runs. REDIS_URI: whether this object
     * is still open (that server is not ours to watch).
     */
    public boolean isRunning() {
        return switch (kind) {
            case LOCAL -> local.isRunning();
            case CONTAINER -> !closed.get() && containerUp.getAsBoolean();
            case EXTERNAL -> !closed.get();
        };
    }

    /** SIGKILL the server and wait until the process is gone: a crash, no shutdown work. */
    public void kill() {
        requireLocal("kill()").kill();
    }

    /** Graceful stop (SIGTERM: Redis flushes the AOF and exits). */
    public void stop() {
        requireLocal("stop()").stop();
    }

    /**
     * Start again with the same port, data dir and options (so AOF data survives a {@link #kill()}),
     * and wait until it answers PING and has finished loading. A running server is stopped first.
     */
    public void restart() {
        LocalRedis process = requireLocal("restart()");
        if (closed.get()) {
            throw new IllegalStateException(this + " is closed; its data dir may be gone");
        }
        process.restart();
    }

    /** Stops what this object started and deletes its temp dir. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        switch (kind) {
            case LOCAL -> local.close();
            case CONTAINER -> stopContainer.run();
            case EXTERNAL -> { /* not ours */ }
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case LOCAL -> "RedisServer[local " + uri + ", pid " + local.pid() + ", dir " + local.dataDir() + "]";
            case CONTAINER -> "RedisServer[container " + DockerRedis.IMAGE + " at " + uri + "]";
            case EXTERNAL -> "RedisServer[" + REDIS_URI_ENV + " " + host + ":" + port + "]";
        };
    }

    private LocalRedis requireLocal(String operation) {
        if (local == null) {
            throw new UnsupportedOperationException(operation + " needs a redis-server process started by this JVM, but "
                    + this + " is not one. Fault tests should use RedisServer.startLocal().");
        }
        return local;
    }

    /** One command over a raw connection, authenticating with the URI's credentials if it has any. */
    private String query(List<String> command) {
        URI parsed = URI.create(uri);
        if ("rediss".equalsIgnoreCase(parsed.getScheme())) {
            throw new UnsupportedOperationException("cannot query a TLS (rediss://) server without a Redis client");
        }
        List<List<String>> commands = new ArrayList<>();
        String userInfo = parsed.getUserInfo(); // percent-decoded
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? "" : userInfo.substring(0, colon);
            String password = colon < 0 ? userInfo : userInfo.substring(colon + 1);
            commands.add(user.isEmpty() ? List.of("AUTH", password) : List.of("AUTH", user, password));
        }
        commands.add(command);
        try {
            Resp.Reply reply = Resp.call(host, port, PROBE_TIMEOUT, commands);
            if (reply.isError() || reply.text() == null) {
                throw new IllegalStateException(command.getFirst() + " failed on " + this + ": " + reply.text());
            }
            return reply.text();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach " + this, e);
        }
    }
}
