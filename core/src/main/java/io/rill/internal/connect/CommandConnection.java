package io.rill.internal.connect;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;

/**
 * The connection shared by acks, claims, dead letters and admin commands of one {@code Rill}. Blocking
 * reads never use it, so an ack never waits behind a read's BLOCK. Opened on first use. With Lettuce's
 * auto-reconnect (the default) it is kept while it works: Lettuce reconnects it and replays what was
 * queued meanwhile. Without auto-reconnect a disconnected connection is replaced.
 *
 * <p>A connect runs on a thread of its own, never under this object's lock: {@link #ready()} and
 * {@link #asyncIfConnected()} never wait for it (a stop must not wait out a connect timeout to Redis
 * that does not answer), and {@link #close()} never waits behind it.
 *
 * <p>After a failover the address may lead to a node that is now a replica, which answers every write
 * with {@code READONLY} while Lettuce has no reason to reconnect. A caller whose command got that answer
 * tells {@link #failed}: the connection it used is closed (once, whoever tells first) and the next
 * command opens a new one. Commands still queued on the old connection fail and are retried by their
 * callers as after any connection loss.
 */
public final class CommandConnection implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CommandConnection.class);

    private final RedisConnector connector;
    private StatefulRedisConnection<String, String> connection; // guarded by this
    private CompletableFuture<StatefulRedisConnection<String, String>> connecting; // guarded by this
    private boolean closed; // guarded by this

    public CommandConnection(RedisConnector connector) {
        this.connector = connector;
    }

    /**
     * The async commands; connects first when needed and waits for that connect. Throws when Redis can't
     * be reached, or when the calling thread is interrupted while waiting.
     */
    public RedisAsyncCommands<String, String> async() {
        CompletableFuture<StatefulRedisConnection<String, String>> pending;
        synchronized (this) {
            StatefulRedisConnection<String, String> usable = usable();
            if (usable != null) {
                return usable.async();
            }
            pending = connect();
        }
        try {
            return pending.get().async();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisConnectionException("interrupted while connecting to Redis", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r
                    : new RedisConnectionException("cannot connect to Redis", e.getCause());
        }
    }

    /** The async commands once connected; never waits: a connect is started when needed. */
    public CompletableFuture<RedisAsyncCommands<String, String>> ready() {
        synchronized (this) {
            StatefulRedisConnection<String, String> usable = usable();
            if (usable != null) {
                return CompletableFuture.completedFuture(usable.async());
            }
            return connect().thenApply(StatefulRedisConnection::async);
        }
    }

    /** The async commands when a connection is there now; null otherwise (a connect is started then). */
    public RedisAsyncCommands<String, String> asyncIfConnected() {
        synchronized (this) {
            StatefulRedisConnection<String, String> usable = usable();
            if (usable != null) {
                return usable.async();
            }
            connect();
            return null;
        }
    }

    /**
     * A command sent with {@code used} failed with {@code error}. A {@code READONLY} reply, or a cluster's
     * {@code MOVED}, closes that connection, if it is still the current one, so that the next command
     * connects anew (in a cluster: to the slot's owner now).
     *
     * @return true when the error was READONLY or MOVED
     */
    public boolean failed(RedisAsyncCommands<String, String> used, Throwable error) {
        boolean readOnly = Failure.readOnly(error);
        if (!readOnly && !Failure.moved(error)) {
            return false;
        }
        StatefulRedisConnection<String, String> stale = null;
        synchronized (this) {
            // compared by the commands object: a cluster node connection is handed out wrapped
            if (used != null && connection != null && used == connection.async()) {
                stale = connection;
                connection = null;
            }
        }
        if (stale != null) {
            log.warn("The command connection got {}; closed it, the next command connects again: {}", readOnly
                    ? "READONLY (the node at this address is a replica now, after a failover?)"
                    : "MOVED (the cluster node no longer serves the slot)", Failure.unwrap(error).getMessage());
            stale.closeAsync();
        }
        return true;
    }

    /** The current connection when it can take commands; drops one that never will. */
    private StatefulRedisConnection<String, String> usable() {
        if (closed) {
            throw new IllegalStateException("Rill is closed");
        }
        if (connection != null && !connection.isOpen() && !connection.getOptions().isAutoReconnect()) {
            connection.closeAsync();
            connection = null;
        }
        return connection;
    }

    /** Starts a connect unless one is under way; called under the lock. */
    private CompletableFuture<StatefulRedisConnection<String, String>> connect() {
        if (connecting != null) {
            return connecting;
        }
        CompletableFuture<StatefulRedisConnection<String, String>> future = new CompletableFuture<>();
        connecting = future;
        Thread.ofVirtual().name("rill-command-connect").start(() -> {
            StatefulRedisConnection<String, String> opened = null;
            Throwable error = null;
            try {
                opened = connector.connect(StringCodec.UTF8);
            } catch (Throwable e) {
                error = e;
            }
            boolean kept;
            synchronized (this) {
                connecting = null;
                kept = opened != null && !closed;
                if (kept) {
                    connection = opened;
                }
            }
            if (kept) {
                future.complete(opened);
                return;
            }
            if (opened != null) {
                opened.closeAsync(); // closed meanwhile
                error = new IllegalStateException("Rill is closed");
            }
            future.completeExceptionally(error);
        });
        return future;
    }

    @Override
    public void close() {
        StatefulRedisConnection<String, String> open;
        synchronized (this) {
            closed = true;
            open = connection;
            connection = null;
        }
        if (open != null) {
            open.close();
        }
    }
}
