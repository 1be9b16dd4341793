package io.rill.micronaut;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisStreamAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.rill.Output;
import io.rill.PartitionedStream;
import io.rill.micronaut.bind.BodyCodec;
import io.rill.tracing.Tracing;

/**
 * Appends entries to streams of one Redis (XADD), writing bodies the way listeners read them: a
 * {@code Map} becomes the entry's fields, a {@code String} the body field, a {@code byte[]} the body field's
 * bytes, anything else JSON in the body field ({@code rill.body-field}, default {@code payload}). Bytes go
 * out unchanged ({@code byte[]} bodies and Map values, a {@code StreamEntry}'s values), text as UTF-8.
 * Several bodies go out pipelined. Each write is offered blocking ({@code publish}, {@code publishAll}: the
 * call returns once Redis confirmed it) and as a {@code CompletableFuture} ({@code publishAsync},
 * {@code publishAllAsync}).
 *
 * <p>Beans: the primary server's publisher is the unqualified {@code StreamPublisher}; a server of
 * {@code redis.servers.<name>} has {@code @Named("<name>") StreamPublisher}. Thread-safe; one connection,
 * opened on first use.
 *
 * <p>Over a Redis Cluster (a {@link RedisClusterClient}, micronaut-redis's primary client with
 * {@code redis.uris}) Lettuce sends each XADD to the master of its stream's hash slot. The cluster client is
 * the user's and is used as configured: one without adaptive topology refresh keeps writing to a master that
 * died until its next periodic refresh (enable
 * {@code ClusterTopologyRefreshOptions.enableAllAdaptiveRefreshTriggers()} on it).
 */
public final class StreamPublisher implements AutoCloseable {

    /** No trimming. */
    public static final long NO_MAX_LEN = 0;

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
    /** The connection's command timeout, kept past close for calls in flight. */
    private Duration timeout;
    private boolean closed;

    public StreamPublisher(RedisClient client, BodyCodec codec) {
        this(client, codec, Tracing.off());
    }

    /**
     * A publisher that adds the trace context of the calling thread to every entry (W3C {@code traceparent},
     * {@code tracestate}, under the tracing's field names), unless the entry has that field already.
     */
    public StreamPublisher(RedisClient client, BodyCodec codec, Tracing tracing) {
        this(Objects.requireNonNull(client, "client"), null, codec, tracing);
    }

    /**
     * A publisher over a Redis Cluster: each XADD goes to the master of its stream's slot (see the class
     * comment on topology refresh); trace context as for {@link #StreamPublisher(RedisClient, BodyCodec, Tracing)}.
     */
    public StreamPublisher(RedisClusterClient client, BodyCodec codec, Tracing tracing) {
        this(null, Objects.requireNonNull(client, "client"), codec, tracing);
    }

    private StreamPublisher(RedisClient client, RedisClusterClient clusterClient, BodyCodec codec, Tracing tracing) {
        this.client = client;
        this.clusterClient = clusterClient;
        this.codec = Objects.requireNonNull(codec, "codec");
        this.tracing = tracing == null || !tracing.enabled() ? null : tracing;
    }

    /**
     * The {@link Output}s these bodies are written as to {@code stream}, encoded as {@link #publishAll} would
     * (trace context included), for a handler of {@code Rill.subscribeWithOutputs} to return: Rill commits
     * them with the input's acknowledgement.
     */
    public List<Output> outputs(String stream, List<?> bodies) {
        List<Output> outputs = new ArrayList<>(bodies.size());
        for (Map<String, byte[]> fields : encode(stream, bodies, Map.of(), NO_MAX_LEN)) {
            outputs.add(Output.ofBytes(stream, fields));
        }
        return outputs;
    }

    /** Appends one entry and returns its ID. */
    public String publish(String stream, Object body) {
        return publish(stream, body, Map.of(), NO_MAX_LEN);
    }

    /**
     * Appends one entry with further fields, trimming the stream to about {@code maxLen} entries
     * ({@code MAXLEN ~}; {@link #NO_MAX_LEN} for none), and returns its ID.
     */
    public String publish(String stream, Object body, Map<String, String> extraFields, long maxLen) {
        return publishAll(stream, List.of(body), extraFields, maxLen).get(0);
    }

    /**
     * Appends one entry to the partition of {@code stream} that {@code key} routes to
     * ({@link PartitionedStream#streamFor(String)}: the same key, the same partition, so readers of it see
     * a key's entries in order) and returns its ID. Use the consumers' ordering key as {@code key}.
     */
    public String publish(PartitionedStream stream, String key, Object body) {
        return publish(stream.streamFor(key), body);
    }

    /** Appends one entry per body, pipelined, and returns their IDs in order. */
    public List<String> publishAll(String stream, List<?> bodies) {
        return publishAll(stream, bodies, Map.of(), NO_MAX_LEN);
    }

    /** As {@link #publishAll(String, List)}, each entry with {@code extraFields} and the stream trimmed as for {@link #publish}. */
    @SuppressWarnings("rawtypes")
    public List<String> publishAll(String stream, List<?> bodies, Map<String, String> extraFields, long maxLen) {
        List<Map<String, byte[]>> entries = encode(stream, bodies, extraFields, maxLen);
        if (entries.isEmpty()) {
            return List.of();
        }
        RedisStreamAsyncCommands<String, byte[]> c = commands();
        List<RedisFuture<String>> futures = xadd(c, stream, entries, maxLen);
        Duration timeout = timeout();
        if (!LettuceFutures.awaitAll(timeout, futures.toArray(new RedisFuture[0]))) {
            throw new RedisCommandTimeoutException("XADD to " + stream + " not confirmed within " + timeout);
        }
        return ids(futures);
    }

    /** As {@link #publish(String, Object, Map, long)}, without waiting: the future completes with the new entry's ID. */
    public CompletableFuture<String> publishAsync(String stream, Object body, Map<String, String> extraFields, long maxLen) {
        return publishAllAsync(stream, Collections.singletonList(body), extraFields, maxLen).thenApply(ids -> ids.get(0));
    }

    /**
     * As {@link #publishAll(String, List, Map, long)}, without waiting: the entries are sent pipelined and the
     * future completes with their IDs in order once Redis confirmed every one, or with the first error (a
     * {@code RedisCommandTimeoutException} past the connection's timeout). A body that can't be written
     * fails the future; nothing is sent then. The future completes on a Lettuce I/O thread: callbacks that
     * block (a synchronous Redis call above all) belong on an executor of their own ({@code thenApplyAsync}).
     * The connection is opened on first use, by the calling thread.
     */
    public CompletableFuture<List<String>> publishAllAsync(String stream, List<?> bodies, Map<String, String> extraFields,
            long maxLen) {
        List<RedisFuture<String>> futures;
        Duration timeout;
        try {
            List<Map<String, byte[]>> entries = encode(stream, bodies, extraFields, maxLen);
            if (entries.isEmpty()) {
                return CompletableFuture.completedFuture(List.of());
            }
            RedisStreamAsyncCommands<String, byte[]> c = commands();
            futures = xadd(c, stream, entries, maxLen);
            timeout = timeout();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<List<String>> done = new CompletableFuture<>();
        CompletableFuture.allOf(futures.stream().map(RedisFuture::toCompletableFuture).toArray(CompletableFuture[]::new))
                .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .whenComplete((all, error) -> {
                    if (error == null) {
                        done.complete(ids(futures));
                        return;
                    }
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    if (cause instanceof TimeoutException) {
                        cause = new RedisCommandTimeoutException("XADD to " + stream + " not confirmed within " + timeout);
                    }
                    done.completeExceptionally(cause);
                });
        return done;
    }

    /** The entries the bodies are written as, each with the extra fields. */
    private List<Map<String, byte[]>> encode(String stream, List<?> bodies, Map<String, String> extraFields, long maxLen) {
        Objects.requireNonNull(stream, "stream");
        if (maxLen < 0) {
            throw new IllegalArgumentException("max-len must be >= 0 (0 = no trimming), was " + maxLen);
        }
        List<Map<String, byte[]>> entries = new ArrayList<>(bodies.size());
        // read once for all the bodies: they are written in the same context
        Map<String, String> trace = tracing == null ? Map.of() : tracing.currentFields();
        for (Object body : bodies) {
            Map<String, byte[]> fields = codec.writeBytes(body);
            if (!extraFields.isEmpty()) {
                Map<String, byte[]> all = new LinkedHashMap<>(fields);
                extraFields.forEach((name, value) -> all.put(name, value.getBytes(StandardCharsets.UTF_8)));
                fields = all;
            }
            if (!trace.isEmpty() && !fields.isEmpty()) {
                fields = traced(fields, trace);
            }
            if (fields.isEmpty()) {
                throw new IllegalArgumentException("an entry needs at least one field; the body " + body + " has none");
            }
            entries.add(fields);
        }
        return entries;
    }

    /** The fields with the trace fields added after them, where the body or the extra fields have none of that name. */
    private static Map<String, byte[]> traced(Map<String, byte[]> fields, Map<String, String> trace) {
        Map<String, byte[]> all = new LinkedHashMap<>(fields);
        trace.forEach((name, value) -> all.putIfAbsent(name, value.getBytes(StandardCharsets.UTF_8)));
        return all;
    }

    /** One XADD per entry, pipelined on the connection. */
    private static List<RedisFuture<String>> xadd(RedisStreamAsyncCommands<String, byte[]> async, String stream,
            List<Map<String, byte[]>> entries, long maxLen) {
        XAddArgs args = maxLen > 0 ? XAddArgs.Builder.maxlen(maxLen).approximateTrimming() : null;
        List<RedisFuture<String>> futures = new ArrayList<>(entries.size());
        for (Map<String, byte[]> fields : entries) {
            futures.add(args != null ? async.xadd(stream, args, fields) : async.xadd(stream, fields));
        }
        return futures;
    }

    private static List<String> ids(List<RedisFuture<String>> futures) {
        List<String> ids = new ArrayList<>(futures.size());
        for (RedisFuture<String> future : futures) {
            ids.add(future.resultNow());
        }
        return ids;
    }

    /** The fields a body is written as, as text (publish writes {@code byte[]} bodies and values as their bytes instead). */
    public Map<String, String> fields(Object body) {
        return codec.write(body);
    }

    /** The stream commands of the connection, opened on first use. */
    private synchronized RedisStreamAsyncCommands<String, byte[]> commands() {
        if (closed) {
            throw new IllegalStateException("the StreamPublisher is closed (the application is stopping)");
        }
        if (connection == null) {
            if (client != null) {
                StatefulRedisConnection<String, byte[]> c = client.connect(BYTES);
                commands = c.async();
                connection = c;
            } else {
                StatefulRedisClusterConnection<String, byte[]> c = clusterClient.connect(BYTES);
                commands = c.async();
                connection = c;
            }
            timeout = connection.getTimeout();
        }
        return commands;
    }

    private synchronized Duration timeout() {
        return timeout;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (connection != null) {
            connection.close();
            connection = null;
            commands = null;
        }
    }
}
