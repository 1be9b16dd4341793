package io.rill.internal.connect;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;

/**
 * The connection shared by acks, claims, dead letters and admin commands of one {@code Rill}. Blocking
 * reads never use it, so an ack never waits behind a read's BLOCK. Opened on first use. With Lettuce's
 * auto-reconnect (the default) it is kept for good: Lettuce reconnects it and replays what was queued
 * meanwhile. Without auto-reconnect a disconnected connection is replaced.
 */
public final class CommandConnection implements AutoCloseable {

    private final RedisConnector connector;
    private StatefulRedisConnection<String, String> connection;
    private boolean closed;

    public CommandConnection(RedisConnector connector) {
        this.connector = connector;
    }

    /** The async commands; connects first when needed. Throws when Redis can't be reached. */
    public synchronized RedisAsyncCommands<String, String> async() {
        if (closed) {
            throw new IllegalStateException("Rill is closed");
        }
        if (connection != null && !connection.isOpen() && !connection.getOptions().isAutoReconnect()) {
            connection.closeAsync();
            connection = null;
        }
        if (connection == null) {
            connection = connector.connect(StringCodec.UTF8);
        }
        return connection.async();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }
}
