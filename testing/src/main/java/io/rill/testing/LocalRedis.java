package io.rill.testing;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One local {@code redis-server} process: start, kill, restart on the same port and dir, clean up. */
final class LocalRedis {

    static final String HOST = "127.0.0.1";

    private static final Logger log = LoggerFactory.getLogger(LocalRedis.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(10);
    private static final int PORT_ATTEMPTS = 5;

    /** Every server this JVM started and not yet closed; the shutdown hook kills what is left. */
    private static final Set<LocalRedis> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("rill-redis-reaper").unstarted(() -> {
            for (LocalRedis redis : OPEN) {
                redis.reap();
            }
        }));
    }

    private final Path binary;
    private final RedisServerOptions options;
    private final Path dir;
    private final boolean ownsDir;
    private final Path logFile;

    /** With {@link RedisServerOptions#tls()}: the certificates; null without. */
    private final TestCertificates certificates;

    /** For a Sentinel: the lines of its config file (Sentinel rewrites the file; a restart reads it back); else null. */
    private final List<String> sentinelConfig;

    // written under this; process is volatile so the shutdown hook can reach it without the lock
    private int port;
    /** The TLS port, 0 without TLS; kept across restarts like the port. */
    private int tlsPort;
    private volatile Process process;
    private String version;

    private LocalRedis(Path binary, RedisServerOptions options, Path dir, boolean ownsDir, List<String> sentinelConfig) {
        this.binary = binary;
        this.sentinelConfig = sentinelConfig;
        this.options = options;
        this.dir = dir;
        this.ownsDir = ownsDir;
        this.logFile = dir.resolve("redis.log");
        this.certificates = options.tls() ? TestCertificates.shared() : null;
    }

    /** {@code redis-server} from the PATH, if there is one. */
    static Optional<Path> findBinary() {
        return findBinary(System.getenv("PATH"));
    }

    static Optional<Path> findBinary(String path) {
        if (path == null) {
            return Optional.empty();
        }
        String name = System.getProperty("os.name", "").startsWith("Windows") ? "redis-server.exe" : "redis-server";
        return Stream.of(path.split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .map(entry -> Path.of(entry, name))
                .filter(Files::isExecutable)
                .findFirst();
    }

    static LocalRedis start(RedisServerOptions options) {
        return start(options, null);
    }

    /**
     * A {@code redis-server --sentinel} with these config lines (e.g. {@code sentinel monitor ...}), or a
     * plain server when {@code sentinelConfig} is null.
     */
    static LocalRedis start(RedisServerOptions options, List<String> sentinelConfig) {
        Path binary = findBinary().orElseThrow(() -> new IllegalStateException(
                "redis-server is not on the PATH. " + RedisServer.HOW_TO_GET_REDIS));
        Path dir;
        try {
            dir = options.dataDir().isPresent()
                    ? Files.createDirectories(options.dataDir().get())
                    : Files.createTempDirectory("rill-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the redis-server data dir", e);
        }
        LocalRedis redis = new LocalRedis(binary, options, dir, options.dataDir().isEmpty(),
                sentinelConfig == null ? null : List.copyOf(sentinelConfig));
        OPEN.add(redis);
        try {
            if (options.port() == 0) {
                redis.startOnFreePort();
            } else {
                redis.startOnSamePort(options.port());
            }
        } catch (RuntimeException e) {
            redis.close(); // the message already carries the log tail
            throw e;
        }
        return redis;
    }

    synchronized int port() {
        return port;
    }

    /** The TLS port; 0 without TLS. */
    synchronized int tlsPort() {
        return tlsPort;
    }

    /** The certificates the TLS port serves; null without TLS. */
    TestCertificates certificates() {
        return certificates;
    }

    synchronized String version() {
        return version;
    }

    Path dataDir() {
        return dir;
    }

    synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** SIGKILL, and wait until the process is gone so the port and files are free. */
    synchronized void kill() {
        if (!isRunning()) {
            return;
        }
        // a fork doing an AOF rewrite would outlive its parent and keep files open
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        awaitExit(process);
    }

    /** SIGTERM: Redis flushes the AOF and exits; SIGKILL if it takes too long. */
    synchronized void stop() {
        if (!isRunning()) {
            return;
        }
        process.destroy();
        try {
            process.onExit().get(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("redis-server on port {} ignored SIGTERM for {}, killing it", port, EXIT_TIMEOUT);
            kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping redis-server", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Start again on the same port, dir and options; stops a running server first. */
    synchronized void restart() {
        stop();
        startOnSamePort(port);
    }

    synchronized void close() {
        try {
            kill();
        } catch (RuntimeException e) {
            log.warn("could not kill redis-server on port {}", port, e);
        }
        OPEN.remove(this);
        if (ownsDir) {
            deleteRecursively(dir);
        }
        log.debug("closed redis-server on port {} (dir {}{})", port, dir, ownsDir ? ", deleted" : "");
    }

    /** For the shutdown hook: no lock (a test thread may hold it), no waiting beyond a moment. */
    private void reap() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            try {
                p.onExit().get(2, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the JVM is going away; nothing more to do
            }
        }
        if (ownsDir) {
            deleteRecursively(dir);
        }
    }

    private void startOnFreePort() {
        Instant deadline = Instant.now().plus(options.startupTimeout());
        // another process can take a picked port before redis-server binds it: pick again
        for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
            int candidate = pickFreePort(options.clusterEnabled());
            if (certificates != null) {
                tlsPort = pickFreePort(false); // taken meanwhile: redis-server says "already in use", we pick both again
            }
            if (launch(candidate, deadline)) {
                return;
            }
            log.debug("port {} was taken before redis-server could bind it, picking another", candidate);
        }
        throw failure("redis-server could not bind a free port in " + PORT_ATTEMPTS + " attempts");
    }

    private void startOnSamePort(int fixedPort) {
        Instant deadline = Instant.now().plus(options.startupTimeout());
        if (certificates != null && tlsPort == 0) {
            tlsPort = pickFreePort(false);
        }
        // right after a kill the port can still be held briefly (a dying child, a socket being torn down)
        while (!launch(fixedPort, deadline)) {
            if (Instant.now().isAfter(deadline)) {
                throw failure("port " + fixedPort + " is still in use after " + options.startupTimeout());
            }
            pause(Duration.ofMillis(100));
        }
    }

    /**
     * Runs redis-server on {@code candidate} and waits until it is ready.
     *
     * @return true when ready, false when the port was in use (the process has exited)
     * @throws IllegalStateException on any other failure, with the log tail
     */
    private boolean launch(int candidate, Instant deadline) {
        long logOffset = fileSize(logFile);
        Process p;
        try {
            p = new ProcessBuilder(command(candidate))
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    // errors before the log file is opened (bad arguments) go to stdout
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        }
        process = p;
        port = candidate;
        while (true) {
            if (!p.isAlive()) {
                if (readFrom(logFile, logOffset).contains("already in use")) {
                    return false;
                }
                throw failure("redis-server exited with code " + p.exitValue() + " while starting on port " + candidate);
            }
            if (isReady(p, candidate)) {
                log.debug("redis-server {} ready on port {} (pid {}, dir {})", version, candidate, p.pid(), dir);
                return true;
            }
            if (Instant.now().isAfter(deadline)) {
                kill();
                if (readFrom(logFile, logOffset).contains("already in use")) {
                    return false; // it was about to exit on its own: the caller reports the port
                }
                throw failure("redis-server did not become ready on port " + candidate + " within " + options.startupTimeout());
            }
            try {
                p.onExit().get(25, TimeUnit.MILLISECONDS); // a pause that ends early if the process dies
            } catch (TimeoutException expected) {
                // still alive, poll again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
                throw new IllegalStateException("interrupted while starting redis-server", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** PONG means loading is over; the pid check makes sure it is our process and not someone else's server. */
    private boolean isReady(Process p, int candidate) {
        try {
            Resp.Reply pong = Resp.call(HOST, candidate, PROBE_TIMEOUT, "PING");
            if (!"PONG".equals(pong.text())) {
                return false; // -LOADING while the AOF is replayed
            }
            String info = Resp.call(HOST, candidate, PROBE_TIMEOUT, "INFO", "server").text();
            if (info == null || !String.valueOf(p.pid()).equals(Resp.infoField(info, "process_id"))) {
                return false;
            }
            version = Resp.infoField(info, "redis_version");
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private List<String> command(int onPort) {
        if (sentinelConfig != null) {
            return sentinelCommand(onPort);
        }
        List<String> cmd = new ArrayList<>(List.of(
                binary.toString(),
                "--port", String.valueOf(onPort),
                "--bind", HOST,
                "--dir", dir.toString(),
                "--save", "",
                "--appendonly", options.appendOnly() ? "yes" : "no",
                "--daemonize", "no",
                "--protected-mode", "no",
                "--logfile", logFile.toString()));
        if (options.appendOnly()) {
            cmd.addAll(List.of("--appendfsync", "always"));
        }
        if (certificates != null) {
            // clients are not asked for certificates: the tests check the server's side, as most users use TLS
            cmd.addAll(List.of(
                    "--tls-port", String.valueOf(tlsPort),
                    "--tls-cert-file", certificates.serverCertificate().toString(),
                    "--tls-key-file", certificates.serverKey().toString(),
                    "--tls-ca-cert-file", certificates.caCertificate().toString(),
                    "--tls-auth-clients", "no"));
        }
        cmd.addAll(options.extraArgs());
        return cmd;
    }

    /** Sentinel needs a config file it may rewrite; written once, so that a restart keeps what it learnt. */
    private List<String> sentinelCommand(int onPort) {
        Path config = dir.resolve("sentinel.conf");
        if (!Files.exists(config)) {
            try {
                Files.writeString(config, String.join("\n", sentinelConfig) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + config, e);
            }
        }
        List<String> cmd = new ArrayList<>(List.of(
                binary.toString(), config.toString(), "--sentinel",
                "--port", String.valueOf(onPort),
                "--bind", HOST,
                "--dir", dir.toString(),
                "--daemonize", "no",
                "--protected-mode", "no",
                "--logfile", logFile.toString()));
        cmd.addAll(options.extraArgs());
        return cmd;
    }

    private IllegalStateException failure(String message) {
        return new IllegalStateException(message + "\n--- last lines of " + logFile + " ---\n" + tail(logFile, 30));
    }

    private static void awaitExit(Process p) {
        try {
            p.onExit().get(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("redis-server pid " + p.pid() + " still alive " + EXIT_TIMEOUT + " after SIGKILL");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server to exit", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A free loopback port; in cluster mode port + 10000 (the cluster bus) must be free too. */
    private static int pickFreePort(boolean withBusPort) {
        for (int i = 0; i < 100; i++) {
            int candidate;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
                candidate = socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open a local port", e);
            }
            if (!withBusPort || (candidate + 10000 <= 65535 && isFree(candidate + 10000))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free port pair (port, port + 10000) for a cluster node");
    }

    private static boolean isFree(int candidate) {
        try {
            new ServerSocket(candidate, 1, InetAddress.getByName(HOST)).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static long fileSize(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String readFrom(Path file, long offset) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            long start = Math.min(offset, length);
            byte[] bytes = new byte[(int) Math.min(length - start, 1 << 20)];
            raf.seek(length - bytes.length);
            raf.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(Path file, int lines) {
        List<String> all = readFrom(file, Math.max(0, fileSize(file) - 64 * 1024)).lines().toList();
        return all.isEmpty() ? "(empty log)" : String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            log.debug("could not delete {}", root, e);
        }
    }
}
