package io.rill.micronaut.connect;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.micronaut.configuration.lettuce.NamedRedisServersConfiguration;
import io.micronaut.context.BeanContext;
import io.micronaut.context.env.Environment;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.inject.qualifiers.Qualifiers;
import jakarta.inject.Singleton;

/**
 * Finds the RedisClient beans micronaut-redis made from {@code redis.uri} (the primary server) and
 * {@code redis.servers.<name>.*} (named servers). Rill has no connection settings of its own.
 */
@Singleton
public final class RedisConnections {

    /** How long the startup check waits for a PING answer. */
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(10);

    private final BeanContext beans;
    private final Environment environment;

    public RedisConnections(BeanContext beans, Environment environment) {
        this.beans = beans;
        this.environment = environment;
    }

    /** The property a connection is configured by, for messages: {@code redis.uri} or {@code redis.servers.<name>.uri}. */
    public static String property(String connection) {
        return connection.isEmpty() ? "redis.uri" : "redis.servers." + connection + ".uri";
    }

    /** The name to show for a connection: {@code primary} or its server name. */
    public static String describe(String connection) {
        return connection.isEmpty() ? "the primary Redis (redis.uri)" : "Redis server '" + connection + "' (redis.servers." + connection + ")";
    }

    /**
     * The client of a connection: {@code ""} for the primary server, else a {@code redis.servers} name.
     *
     * @throws ConfigurationException naming the missing property and the servers that are configured
     */
    public RedisClient client(String connection) {
        if (isCluster(connection)) {
            throw new ConfigurationException("redis.uris configures a Redis Cluster: listeners, @SendTo outputs and "
                    + "StreamPublisher (@RedisStreamClient) run on it, but IdempotentStreamPublisher and the endpoint's "
                    + "commands do not run on a cluster yet; configure a standalone or Sentinel Redis for them under "
                    + "redis.servers.<name>");
        }
        if (connection.isEmpty()) {
            // micronaut-redis creates a primary client for any redis.* property, defaulting to localhost:6379;
            // never read from a server the user did not name
            if (!environment.containsProperty("redis.uri") && !environment.containsProperty("redis.host")) {
                throw new ConfigurationException("no primary Redis is configured: set redis.uri (micronaut-redis)"
                        + namedHint());
            }
            return beans.getBean(RedisClient.class);
        }
        Optional<RedisClient> named = beans.findBean(RedisClient.class, Qualifiers.byName(connection));
        if (named.isEmpty()) {
            throw new ConfigurationException("no micronaut-redis server named '" + connection + "': set "
                    + property(connection) + namedHint());
        }
        return named.get();
    }

    /**
     * True when the connection is micronaut-redis's cluster client: the primary connection with {@code redis.uris}
     * set (micronaut-redis then makes a {@link RedisClusterClient} its primary client).
     */
    public boolean isCluster(String connection) {
        return connection.isEmpty() && environment.containsProperty("redis.uris");
    }

    /** micronaut-redis's cluster client, from {@code redis.uris}. */
    public RedisClusterClient clusterClient() {
        return beans.getBean(RedisClusterClient.class);
    }

    /**
     * Connects to the cluster once and PINGs, so that wrong addresses fail startup.
     *
     * @throws ConfigurationException naming redis.uris when the cluster does not answer
     */
    public void check(RedisClusterClient client) {
        try (StatefulRedisClusterConnection<String, String> c = client.connect()) {
            c.setTimeout(PING_TIMEOUT);
            c.sync().ping();
        } catch (RuntimeException e) {
            throw new ConfigurationException("the Redis Cluster of redis.uris does not answer: check redis.uris ("
                    + e.getMessage() + ")", e);
        }
    }

    private String namedHint() {
        TreeSet<String> names = new TreeSet<>();
        for (NamedRedisServersConfiguration server : beans.getBeansOfType(NamedRedisServersConfiguration.class)) {
            names.add(server.getName());
        }
        return names.isEmpty() ? "" : " (servers configured under redis.servers: " + List.copyOf(names) + ")";
    }

    /**
     * Connects once and PINGs, so that a wrong address fails startup instead of a subscription retrying forever.
     *
     * @throws ConfigurationException naming the property when Redis does not answer
     */
    public void check(String connection, RedisClient client) {
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.setTimeout(PING_TIMEOUT);
            c.sync().ping();
        } catch (RuntimeException e) {
            throw new ConfigurationException(describe(connection) + " at " + uri(connection) + " does not answer: check "
                    + property(connection) + " (" + e.getMessage() + ")", e);
        }
    }

    /** The URI a connection is configured with, for messages: without credentials. */
    private String uri(String connection) {
        String uri = environment.getProperty(property(connection), String.class).orElse(null);
        if (uri == null) {
            return environment.getProperty(connection.isEmpty() ? "redis.host" : "redis.servers." + connection + ".host",
                    String.class).orElse("?");
        }
        return uri.replaceFirst("^([a-z+-]+://)[^@/]*@", "$1"); // redis://user:secret@host -> redis://host
    }
}
