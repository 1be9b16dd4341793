package io.rill.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on a free loopback port, for fault tests: point a client at {@link #uri()} and
 * {@link #cut()} the network under it, {@link #restore()} it, or slow it down with {@link #latency(Duration)}.
 *
 * <p>One virtual thread accepts; each connection gets one virtual thread per direction, blocked in
 * reads, so an idle proxy costs nothing. When either side closes, both are closed.
 */
public final class TcpProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket server;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object(); // orders cut() against new connections being registered
    private volatile boolean cut;
    private volatile Duration latency = Duration.ZERO;

    private TcpProxy(String targetHost, int targetPort, ServerSocket server) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = server;
    }

    /** Listens on a free port of 127.0.0.1 and forwards every connection to {@code targetHost:targetPort}. */
    public static TcpProxy start(String targetHost, int targetPort) {
        Objects.requireNonNull(targetHost, "targetHost");
        ServerSocket server;
        try {
            server = new ServerSocket(0, 50, InetAddress.getByName(LocalRedis.HOST));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a proxy port", e);
        }
        TcpProxy proxy = new TcpProxy(targetHost, targetPort, server);
        Thread.ofVirtual().name("rill-proxy-accept-" + server.getLocalPort()).start(proxy::acceptLoop);
        return proxy;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://" + LocalRedis.HOST + ":" + port();
    }

    /** Closes every open connection and turns new ones away (accepted, then closed at once) until {@link #restore()}. */
    public void cut() {
        List<Connection> open;
        synchronized (lock) {
            cut = true;
            open = List.copyOf(connections);
        }
        open.forEach(Connection::close);
    }

    /** Lets new connections through again. Connections closed by {@link #cut()} stay closed. */
    public void restore() {
        cut = false;
    }

    /** Delays every forwarded chunk, both directions, by {@code delay}; zero for none. */
    public void latency(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative: " + delay);
        }
        latency = delay;
    }

    /** Connections currently being forwarded. */
    public int openConnections() {
        return connections.size();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.debug("closing proxy socket", e);
        }
        cut();
    }

    @Override
    public String toString() {
        return "TcpProxy[" + uri() + " -> " + targetHost + ":" + targetPort + (cut ? ", cut" : "") + "]";
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (cut) {
                closeQuietly(client);
                continue;
            }
            // connect on its own thread so a slow target cannot hold up the accept loop
            Thread.ofVirtual().name("rill-proxy-connect").start(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        Socket upstream = new Socket();
        try {
            upstream.connect(new InetSocketAddress(targetHost, targetPort), CONNECT_TIMEOUT_MILLIS);
        } catch (IOException e) {
            log.debug("{}: target refused: {}", this, e.toString());
            closeQuietly(upstream);
            closeQuietly(client);
            return;
        }
        Connection connection = new Connection(client, upstream);
        synchronized (lock) {
            if (cut) { // cut() ran while we were connecting
                connection.close();
                return;
            }
            connections.add(connection);
        }
        Thread.ofVirtual().name("rill-proxy-up").start(() -> pump(client, upstream, connection));
        Thread.ofVirtual().name("rill-proxy-down").start(() -> pump(upstream, client, connection));
    }

    private void pump(Socket from, Socket to, Connection connection) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                Duration delay = latency;
                if (!delay.isZero()) {
                    Thread.sleep(delay);
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // a side closed or the connection was cut: either way this connection is over
        } finally {
            connection.close();
        }
    }

    private final class Connection {
        private final Socket client;
        private final Socket upstream;

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void close() {
            connections.remove(this);
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
