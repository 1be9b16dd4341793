package io.rill.spring.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisStreamAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.rill.Output;
import io.rill.tracing.Tracing;

/**
 * Writes {@code @SendTo} output: one entry per body, pipelined XADDs on a connection of its own (opened on
 * first use from Boot's Lettuce client), returning once Redis confirmed all of them; the core acknowledges the
 * input after that. Over a Redis Cluster (Boot's cluster client) Lettuce sends each XADD to the master of
 * its stream's slot; the transactional path (the core's {@code subscribeWithOutputs}) needs the outputs in
 * the input's slot and checks that at subscribe.
 */
public final class StreamOutput implements AutoCloseable {

    /** Keys and field names as UTF-8 text, values as bytes, so that binary values are written exactly. */
    private static final RedisCodec<String, byte[]> BYTES = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    /** One of client and clusterClient is set. */
    private final RedisClient client;
    private final RedisClusterClient clusterClient;
    private final BodyCodec codec;
    /** Null when tracing is off. */
    private final Tracing tracing;
    private StatefulConnection<String, byte[]> connection;
    private RedisStreamAsyncCommands<String, byte[]> commands;
    private boolean closed;

    /** @param tracing adds the trace context of the handler call (its consumer span) to every entry */
    public StreamOutput(RedisClient client, BodyCodec codec, Tracing tracing) {
        this(client, null, codec, tracing);
    }

    /** Output over a Redis Cluster: each XADD goes to the master of its stream's slot. */
    public StreamOutput(RedisClusterClient client, BodyCodec codec, Tracing tracing) {
        this(null, client, codec, tracing);
    }

    private StreamOutput(RedisClient client, RedisClusterClient clusterClient, BodyCodec codec, Tracing tracing) {
        this.client = client;
        this.clusterClient = clusterClient;
        this.codec = codec;
        this.tracing = tracing == null || !tracing.enabled() ? null : tracing;
    }

    /**
     * The outputs these bodies are written as to {@code stream}, encoded as {@link #publishAll} does (trace
     * context included), for the core to commit with the input's acknowledgement.
     */
    public List<Output> outputs(String stream, List<?> bodies) {
        List<Output> outputs = new ArrayList<>(bodies.size());
        for (Map<String, byte[]> fields : encode(bodies)) {
            outputs.add(Output.ofBytes(stream, fields));
        }
        return outputs;
    }

    private List<Map<String, byte[]>> encode(List<?> bodies) {
        List<Map<String, byte[]>> entries = new ArrayList<>(bodies.size());
        Map<String, String> trace = tracing == null ? Map.of() : tracing.currentFields();
        for (Object body : bodies) {
            Map<String, byte[]> fields = codec.write(body); // every body encoded before anything is sent
            if (!trace.isEmpty()) {
                // after the body's fields; a field of the body's own name wins
                Map<String, byte[]> all = new LinkedHashMap<>(fields);
                trace.forEach((name, value) -> all.putIfAbsent(name, value.getBytes(StandardCharsets.UTF_8)));
                fields = all;
            }
            entries.add(fields);
        }
        return entries;
    }

    /** Appends one entry per body to {@code stream}, pipelined, and returns their IDs in order. */
    @SuppressWarnings("rawtypes")
    public List<String> publishAll(String stream, List<?> bodies) {
        List<Map<String, byte[]>> entries = encode(bodies);
        StatefulConnection<String, byte[]> c;
        RedisStreamAsyncCommands<String, byte[]> async;
        synchronized (this) {
            c = connection();
            async = commands;
        }
        List<RedisFuture<String>> futures = new ArrayList<>(entries.size());
        for (Map<String, byte[]> fields : entries) {
            futures.add(async.xadd(stream, fields));
        }
        Duration timeout = c.getTimeout();
        if (!LettuceFutures.awaitAll(timeout, futures.toArray(new RedisFuture[0]))) {
            throw new RedisCommandTimeoutException("XADD to " + stream + " not confirmed within " + timeout);
        }
        List<String> ids = new ArrayList<>(futures.size());
        for (RedisFuture<String> future : futures) {
            ids.add(future.resultNow());
        }
        return ids;
    }

    private synchronized StatefulConnection<String, byte[]> connection() {
        if (closed) {
            throw new IllegalStateException("the @SendTo output is closed: the application is stopping");
        }
        if (connection == null || !connection.isOpen()) {
            if (client != null) {
                StatefulRedisConnection<String, byte[]> c = client.connect(BYTES);
                commands = c.async();
                connection = c;
            } else {
                StatefulRedisClusterConnection<String, byte[]> c = clusterClient.connect(BYTES);
                commands = c.async();
                connection = c;
            }
        }
        return connection;
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
