package io.rill.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link RedisServer#startLocal(RedisServerOptions)} runs a local {@code redis-server}.
 *
 * @param appendOnly     AOF on with {@code appendfsync always}, so a SIGKILL loses nothing that was acknowledged
 * @param port           the port to listen on; 0 picks a free one (kept across {@link RedisServer#restart()})
 * @param extraArgs      further command-line arguments, one word per element,
 *                       e.g. {@code List.of("--cluster-enabled", "yes")}
 * @param dataDir        the working directory (AOF, nodes.conf, log); empty = a fresh temp dir deleted on close.
 *                       A directory given here is created if missing and never deleted.
 * @param startupTimeout how long to wait for the server to answer PING (and finish loading) on start and restart
 * @param tls            also listen for TLS on a port of its own ({@link RedisServer#tlsUri()}), with a server
 *                       certificate of a throwaway CA ({@link TestCertificates}); the plain port stays open
 */
public record RedisServerOptions(boolean appendOnly, int port, List<String> extraArgs, Optional<Path> dataDir,
                                 Duration startupTimeout, boolean tls) {

    /** Without TLS. */
    public RedisServerOptions(boolean appendOnly, int port, List<String> extraArgs, Optional<Path> dataDir,
            Duration startupTimeout) {
        this(appendOnly, port, extraArgs, dataDir, startupTimeout, false);
    }

    public RedisServerOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        extraArgs = List.copyOf(extraArgs);
        Objects.requireNonNull(dataDir, "dataDir");
        if (startupTimeout.isNegative() || startupTimeout.isZero()) {
            throw new IllegalArgumentException("startupTimeout must be positive, was " + startupTimeout);
        }
    }

    /** No AOF, a free port, a temp dir, 10 s to start. */
    public static RedisServerOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().appendOnly(appendOnly).port(port).extraArgs(extraArgs)
                .dataDir(dataDir.orElse(null)).startupTimeout(startupTimeout).tls(tls);
    }

    /** True when {@link #extraArgs()} switch cluster mode on (the server then also needs port + 10000). */
    boolean clusterEnabled() {
        for (int i = 0; i + 1 < extraArgs.size(); i++) {
            if (extraArgs.get(i).equalsIgnoreCase("--cluster-enabled") && extraArgs.get(i + 1).equalsIgnoreCase("yes")) {
                return true;
            }
        }
        return false;
    }

    public static final class Builder {
        private boolean appendOnly;
        private int port;
        private List<String> extraArgs = List.of();
        private Path dataDir;
        private Duration startupTimeout = Duration.ofSeconds(10);
        private boolean tls;

        private Builder() {
        }

        /** Also listen for TLS ({@code rediss://}) on a free port, with {@link TestCertificates#shared()}. */
        public Builder tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        public Builder appendOnly(boolean appendOnly) {
            this.appendOnly = appendOnly;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder extraArgs(List<String> extraArgs) {
            this.extraArgs = Objects.requireNonNull(extraArgs, "extraArgs");
            return this;
        }

        /** {@code null} = a fresh temp dir. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder startupTimeout(Duration startupTimeout) {
            this.startupTimeout = Objects.requireNonNull(startupTimeout, "startupTimeout");
            return this;
        }

        public RedisServerOptions build() {
            return new RedisServerOptions(appendOnly, port, extraArgs, Optional.ofNullable(dataDir), startupTimeout, tls);
        }
    }
}
