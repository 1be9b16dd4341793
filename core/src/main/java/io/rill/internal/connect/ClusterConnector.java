package io.rill.internal.connect;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.RedisCodec;

/**
 * Connections into a Redis Cluster for a runtime built on plain connections: every connection goes to
 * the master serving one hash slot, so a subscription's reads and commands (whose keys all share that
 * slot) run unchanged. Never to a replica.
 *
 * <p>A connection is a node connection of a cluster connection of its own (Lettuce handles credentials,
 * TLS and options as for the rest of the cluster). It does not reconnect: when the node goes away it
 * closes, and the next connect asks the cluster again where the slot is (after a failover, the promoted
 * replica). Every connect after the first refreshes the topology first, so that a connect that follows a
 * lost connection or a {@code MOVED} reply finds the new owner; until the cluster has promoted one the
 * connect fails and the caller backs off as after any connection loss.
 */
public final class ClusterConnector {

    private static final Logger log = LoggerFactory.getLogger(ClusterConnector.class);

    private final RedisClusterClient client;
    private final AtomicBoolean connectedOnce = new AtomicBoolean();

    public ClusterConnector(RedisClusterClient client) {
        this.client = client;
    }

    /** The hash slot of a key (CRC16 of its hash tag or of the whole key, mod 16384). */
    public static int slot(String key) {
        return SlotHash.getSlot(key);
    }

    /** A connector whose connections go to the master serving {@code key}'s slot at the time of each connect. */
    public RedisConnector forKey(String key) {
        int slot = slot(key);
        return new RedisConnector() {
            @Override
            public <V> StatefulRedisConnection<String, V> connect(RedisCodec<String, V> codec) {
                return ClusterConnector.this.connect(slot, key, codec);
            }
        };
    }

    private <V> StatefulRedisConnection<String, V> connect(int slot, String key, RedisCodec<String, V> codec) {
        if (connectedOnce.getAndSet(true)) {
            // a connect after the first follows a lost connection or a MOVED more often than not
            client.refreshPartitions();
        }
        StatefulRedisClusterConnection<String, V> cluster = client.connect(codec);
        try {
            RedisClusterNode owner = cluster.getPartitions().getPartitionBySlot(slot); // the master: only masters serve slots
            if (owner == null || owner.is(RedisClusterNode.NodeFlag.FAIL) || owner.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL)) {
                throw new RedisConnectionException("no master serves slot " + slot + " (of '" + key + "') now"
                        + (owner == null ? "" : ": " + owner.getUri() + " is marked failed") + "; waiting for the cluster");
            }
            StatefulRedisConnection<String, V> node = cluster.getConnection(owner.getNodeId());
            log.debug("Connected to {} for slot {} ('{}')", owner.getUri(), slot, key);
            return NodeConnection.wrap(node, cluster);
        } catch (RuntimeException e) {
            cluster.closeAsync();
            throw e;
        }
    }

    /**
     * The node connection as a connection of its own: closing it closes the cluster connection it came
     * from; a disconnect closes it for good (it says so: {@code autoReconnect} false), so that its user
     * connects anew and the new connect finds the slot's owner now.
     */
    private static final class NodeConnection implements InvocationHandler {

        private final StatefulRedisConnection<?, ?> node;
        private final StatefulRedisClusterConnection<?, ?> cluster;
        private final ClientOptions options;
        /** Set by the first close, whoever asks (the user, or the disconnect): Lettuce warns of a second one. */
        private final AtomicBoolean closed = new AtomicBoolean();

        private NodeConnection(StatefulRedisConnection<?, ?> node, StatefulRedisClusterConnection<?, ?> cluster) {
            this.node = node;
            this.cluster = cluster;
            this.options = node.getOptions().mutate().autoReconnect(false).build();
        }

        @SuppressWarnings("unchecked")
        static <V> StatefulRedisConnection<String, V> wrap(StatefulRedisConnection<String, V> node,
                StatefulRedisClusterConnection<String, V> cluster) {
            NodeConnection handler = new NodeConnection(node, cluster);
            node.addListener(new RedisConnectionStateListener() {
                @Override
                public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                    handler.closeOnce();
                }
            });
            return (StatefulRedisConnection<String, V>) Proxy.newProxyInstance(ClusterConnector.class.getClassLoader(),
                    new Class<?>[] { StatefulRedisConnection.class }, handler);
        }

        CompletableFuture<Void> closeOnce() {
            return closed.compareAndSet(false, true) ? cluster.closeAsync() : CompletableFuture.completedFuture(null);
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "close" -> {
                    if (method.getParameterCount() == 0) {
                        closeOnce().join();
                        return null;
                    }
                }
                case "closeAsync" -> {
                    return closeOnce();
                }
                case "isOpen" -> {
                    return cluster.isOpen() && node.isOpen();
                }
                case "getOptions" -> {
                    return options;
                }
                case "equals" -> {
                    return proxy == args[0];
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                case "toString" -> {
                    return "cluster node connection " + node;
                }
                default -> {
                    // delegated below
                }
            }
            try {
                return method.invoke(node, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
