package io.rill.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The Testcontainers path, kept in its own class so Testcontainers is only loaded when it is used.
 */
final class DockerRedis {

    static final String IMAGE = "redis:7.0";
    private static final int REDIS_PORT = 6379;

    private static volatile Boolean available;

    private DockerRedis() {
    }

    /**
     * Whether Docker answers. Testcontainers' own probe logs an ERROR (and loads JNA) when there is no
     * Docker at all, which is the usual case on CI here; so it is only asked when some sign of a Docker
     * setup exists. The answer is cached for the JVM.
     */
    static boolean available() {
        Boolean known = available;
        if (known == null) {
            known = mightHaveDocker(System.getenv(), Path.of(System.getProperty("user.home", ".")))
                    && askTestcontainers();
            available = known;
        }
        return known;
    }

    /** A running container; {@code close()} stops it. */
    static RedisServer start() {
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withExposedPorts(REDIS_PORT)
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1));
        container.start();
        return RedisServer.container(container.getHost(), container.getMappedPort(REDIS_PORT),
                container::isRunning, container::stop);
    }

    static boolean mightHaveDocker(Map<String, String> env, Path home) {
        if (System.getProperty("os.name", "").startsWith("Windows")) {
            return true; // named pipes: nothing cheap to look at, let Testcontainers decide
        }
        if (env.containsKey("DOCKER_HOST") || env.keySet().stream().anyMatch(k -> k.startsWith("TESTCONTAINERS_"))
                || Files.exists(home.resolve(".testcontainers.properties"))) {
            return true;
        }
        List<Path> sockets = new ArrayList<>(List.of(
                Path.of("/var/run/docker.sock"),
                home.resolve(".docker/run/docker.sock"),         // Docker Desktop
                home.resolve(".docker/desktop/docker.sock"),
                home.resolve(".colima/default/docker.sock"),
                home.resolve(".rd/docker.sock")));               // Rancher Desktop
        String runtimeDir = env.get("XDG_RUNTIME_DIR");           // rootless Docker, Podman
        if (runtimeDir != null) {
            sockets.add(Path.of(runtimeDir, "docker.sock"));
            sockets.add(Path.of(runtimeDir, "podman/podman.sock"));
        }
        return sockets.stream().anyMatch(Files::exists);
    }

    private static boolean askTestcontainers() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
