package io.rill.publish;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.rill.OutboxOptions;
import io.rill.Output;
import io.rill.ProducerOptions;
import io.rill.internal.connect.EntryCodec;
import io.rill.internal.connect.Failure;
import io.rill.internal.publish.IdempotentXadd;
import io.rill.internal.publish.KeyedEntry;
import io.rill.internal.publish.Outbox;
import io.rill.tracing.Tracing;

/**
 * Publishes entries idempotently, for producers outside a handler (an HTTP endpoint a client may retry):
 * each entry is an {@link Output} (fields, optional trimming) published with an idempotency key, and a publish whose key was published to the same stream within
 * {@code retention} adds nothing and returns the first entry's ID. With an outbox
 * ({@link OutboxOptions}), every publish is journaled on local disk first and sent in order by one thread,
 * so entries published while Redis is unreachable wait there (surviving a crash of the process) and
 * reach the stream once each, in order, when Redis is back.
 *
 * <pre>{@code
 * Producer producer = Producer.builder(client).options(ProducerOptions.builder()
 *         .outbox(OutboxOptions.directory(Path.of("/var/lib/shop/outbox"))).build()).build();
 * producer.publish(request.id(), Output.of("orders", Map.of("sku", "A-1", "qty", "2")));
 * }</pre>
 *
 * The trace context of the calling thread is added to each entry ({@code traceparent}, {@code tracestate})
 * unless it has those fields. Thread-safe; one connection of its own, opened on first use (the producer
 * starts without Redis). The {@link RedisClient} stays the caller's.
 */
public final class Producer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Producer.class);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);

    private final RedisClient client;
    private final ProducerOptions options;
    private final Tracing tracing;
    private final Outbox outbox;
    private StatefulRedisConnection<String, byte[]> connection; // guarded by this
    private volatile Boolean idmp;
    private boolean closed; // guarded by this
    private boolean closing; // guarded by this

    private Producer(Builder builder) {
        this.client = builder.client;
        this.options = builder.options;
        this.tracing = builder.tracing;
        // a batch not confirmed within a minute (Lettuce's default command timeout) is sent again, which the
        // script makes harmless; a fixed value, since Lettuce 7 no longer tells a client's default timeout
        this.outbox = options.outbox().enabled() ? Outbox.open(options.outbox(), this::send, SEND_TIMEOUT) : null;
    }

    /** A producer with the default options: keys kept 24 hours, no outbox, no tracing. */
    public static Producer create(RedisClient client) {
        return builder(client).build();
    }

    public static Builder builder(RedisClient client) {
        return new Builder(Objects.requireNonNull(client, "client"));
    }

    /**
     * Publishes one entry unless its idempotency key was published to its stream within {@code retention}.
     * The future completes with the entry's ID, the first entry's ID when the key was published before.
     * The key is whatever stays the same when the caller retries (a request ID, an order number).
     *
     * <p>Without an outbox the entry goes to Redis at once and the future fails when Redis does (the caller
     * may retry with the same key). With an outbox this call returns once the entry is journaled (fsynced too
     * with {@code outbox.fsync = always}); the future completes when Redis has it, however long that takes.
     *
     * @throws OutboxFullException      with an outbox, when it is full; nothing was written
     * @throws IllegalArgumentException when the key is null or empty
     * @throws IllegalStateException    when the producer is closed
     */
    public CompletableFuture<String> publish(String idempotencyKey, Output entry) {
        KeyedEntry traced = traced(new KeyedEntry(idempotencyKey, entry));
        if (outbox != null) {
            return outbox.add(traced);
        }
        try {
            return sendOne(traced);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** As {@link #publish}, waiting for the ID (with an outbox: until Redis has the entry). */
    public String publishAndWait(String idempotencyKey, Output entry) {
        return publish(idempotencyKey, entry).join();
    }

    /** Entries in the outbox not yet confirmed by Redis; 0 without an outbox. */
    public int buffered() {
        return outbox == null ? 0 : outbox.buffered();
    }

    /** The options this producer runs with. */
    public ProducerOptions options() {
        return options;
    }

    /**
     * Whether the server has idempotent XADD ({@code IDMP}, Redis 8.6.2+), as probed on the first connection;
     * null before that. Rill uses its own dedup script either way (see docs/producing.md).
     */
    public Boolean serverHasIdmp() {
        return idmp;
    }

    private KeyedEntry traced(KeyedEntry entry) {
        if (!tracing.enabled()) {
            return entry;
        }
        Map<String, String> trace = tracing.currentFields();
        if (trace.isEmpty()) {
            return entry;
        }
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        trace.forEach((name, value) -> bytes.put(name, value.getBytes(StandardCharsets.UTF_8)));
        return entry.withFieldsAbsent(bytes);
    }

    /**
     * The outbox's batch: SCRIPT LOAD first, then the idempotent XADD of each entry by its SHA, pipelined in
     * order. Loading ahead (on the same connection, so before the batch) rather than falling back to EVAL on
     * NOSCRIPT keeps the order: a fallback would append its entry after later entries of the batch.
     */
    private List<CompletableFuture<String>> send(List<KeyedEntry> entries) {
        RedisAsyncCommands<String, byte[]> async = connection().async();
        async.scriptLoad(IdempotentXadd.SCRIPT); // a failure shows in the entries' replies
        List<CompletableFuture<String>> ids = new ArrayList<>(entries.size());
        for (KeyedEntry entry : entries) {
            ids.add(async.<List<Object>> evalsha(IdempotentXadd.SHA, ScriptOutputType.MULTI, IdempotentXadd.keys(entry),
                    IdempotentXadd.args(entry, options.retention())).toCompletableFuture()
                    .thenApply(reply -> IdempotentXadd.reply(reply).id()));
        }
        return ids;
    }

    /** One publish without an outbox: by SHA, the script's text only when the server does not have it yet. */
    private CompletableFuture<String> sendOne(KeyedEntry entry) {
        RedisAsyncCommands<String, byte[]> async = connection().async();
        String[] keys = IdempotentXadd.keys(entry);
        byte[][] args = IdempotentXadd.args(entry, options.retention());
        return async.<List<Object>> evalsha(IdempotentXadd.SHA, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                .exceptionallyCompose(error -> Failure.unwrap(error).getMessage() != null
                        && Failure.unwrap(error).getMessage().startsWith("NOSCRIPT")
                        ? async.<List<Object>> eval(IdempotentXadd.SCRIPT, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                        : CompletableFuture.failedFuture(Failure.unwrap(error)))
                .thenApply(reply -> IdempotentXadd.reply(reply).id());
    }

    private synchronized StatefulRedisConnection<String, byte[]> connection() {
        if (closed) {
            throw new IllegalStateException("the producer is closed");
        }
        if (connection == null) {
            connection = client.connect(EntryCodec.INSTANCE);
            probe(connection);
        }
        return connection;
    }

    private void probe(StatefulRedisConnection<String, byte[]> c) {
        c.async().info("server").thenAccept(info -> {
            String version = IdempotentXadd.version(info);
            boolean has = IdempotentXadd.hasIdmp(version);
            if (has && !Boolean.TRUE.equals(idmp)) {
                log.info("Redis {} has idempotent XADD (IDMP); the producer keeps using its dedup script, whose "
                        + "retention is not bounded per producer (docs/producing.md)", version);
            }
            idmp = has;
        });
    }

    /**
     * Closes the outbox (going on sending what waits for up to 10 s while Redis answers; the rest stays in
     * its journal for the next producer of this identity), then the connection.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        try {
            if (outbox != null) {
                outbox.close();
            }
        } finally {
            StatefulRedisConnection<String, byte[]> open;
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

    /** Builds a {@link Producer}. */
    public static final class Builder {
        private final RedisClient client;
        private ProducerOptions options = ProducerOptions.DEFAULT;
        private Tracing tracing = Tracing.off();

        private Builder(RedisClient client) {
            this.client = client;
        }

        public Builder options(ProducerOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Adds the calling thread's trace context to each entry. Default off. */
        public Builder tracing(Tracing tracing) {
            this.tracing = tracing == null ? Tracing.off() : tracing;
            return this;
        }

        /**
         * The producer; with an outbox, claims its directory and starts sending what an earlier process left.
         *
         * @throws IllegalStateException       when another producer holds the outbox identity
         * @throws java.io.UncheckedIOException when the outbox directory can't be used
         */
        public Producer build() {
            return new Producer(this);
        }
    }
}
