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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on a free loopback port, for fault tests: point a client at {@link #uri()} and
 * {@link #cut()} the network under it, {@link #restore()} it, slow it down with {@link #latency(Duration)},
 * or hold what one direction carries ({@link #holdRequests()}, {@link #holdReplies()}) to cut a connection
 * at an exact point: after Redis ran a command and before its reply arrived, or before Redis got it.
 *
 * <p>One virtual thread accepts; each connection gets one virtual thread per direction, blocked in
 * reads, so an idle proxy costs nothing. When either side closes, both are closed.
 */
public final class TcpProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private volatile InetSocketAddress target;
    private final ServerSocket server;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object(); // orders cut() against new connections being registered
    private volatile boolean cut;
    private volatile Duration latency = Duration.ZERO;
    private final ReentrantLock flow = new ReentrantLock();
    private final Condition flowChanged = flow.newCondition();
    private volatile boolean holdRequests;
    private volatile boolean holdReplies;
    private final AtomicInteger held = new AtomicInteger();

    private TcpProxy(String targetHost, int targetPort, ServerSocket server) {
        this.target = InetSocketAddress.createUnresolved(targetHost, targetPort);
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
        wakeHeld();
    }

    /**
     * Holds every chunk sent by clients from now on (commands): read by the proxy, not forwarded to the
     * server until {@link #release()}, dropped by {@link #cut()}.
     */
    public void holdRequests() {
        holdRequests = true;
    }

    /** Holds every chunk sent by the server from now on (replies), as {@link #holdRequests()} does for commands. */
    public void holdReplies() {
        holdReplies = true;
    }

    /** Forwards held chunks and stops holding, both directions. */
    public void release() {
        holdRequests = false;
        holdReplies = false;
        wakeHeld();
    }

    /** Chunks read and held, not yet forwarded or dropped. */
    public int held() {
        return held.get();
    }

    private void wakeHeld() {
        flow.lock();
        try {
            flowChanged.signalAll();
        } finally {
            flow.unlock();
        }
    }

    /** Waits while this direction is held; false when the connection closed meanwhile (the chunk is dropped). */
    private boolean awaitFlow(boolean toServer, Connection connection) throws InterruptedException {
        if (!(toServer ? holdRequests : holdReplies)) {
            return true;
        }
        held.incrementAndGet();
        flow.lock();
        try {
            while ((toServer ? holdRequests : holdReplies) && !connection.closed) {
                flowChanged.await();
            }
            return !connection.closed;
        } finally {
            flow.unlock();
            held.decrementAndGet();
        }
    }

    /**
     * Forwards connections opened from now on to {@code host:port}; open ones stay with the old target. As
     * a failover seen from a client: the same address, another server behind it.
     */
    public void retarget(String host, int port) {
        target = InetSocketAddress.createUnresolved(Objects.requireNonNull(host, "host"), port);
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
        InetSocketAddress to = target;
        return "TcpProxy[" + uri() + " -> " + to.getHostString() + ":" + to.getPort() + (cut ? ", cut" : "") + "]";
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
            InetSocketAddress to = target;
            upstream.connect(new InetSocketAddress(to.getHostString(), to.getPort()), CONNECT_TIMEOUT_MILLIS);
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
        Thread.ofVirtual().name("rill-proxy-up").start(() -> pump(client, upstream, connection, true));
        Thread.ofVirtual().name("rill-proxy-down").start(() -> pump(upstream, client, connection, false));
    }

    private void pump(Socket from, Socket to, Connection connection, boolean toServer) {
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
                if (!awaitFlow(toServer, connection)) {
                    return;
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
        private volatile boolean closed;

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void close() {
            closed = true;
            connections.remove(this);
            closeQuietly(client);
            closeQuietly(upstream);
            wakeHeld();
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
