package io.rill.micronaut;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import io.rill.Output;
import io.rill.micronaut.bind.BodyCodec;
import io.rill.publish.OutboxFullException;
import io.rill.publish.Producer;

/**
 * Publishes entries idempotently through the core's {@link Producer}: each publish carries an idempotency key
 * (a request or order ID), and a publish retried with the same key within {@code rill.producer.retention}
 * adds nothing and returns the first entry's ID. Bodies are written as {@link StreamPublisher} writes them
 * (a Map as fields, a String or byte[] as the body field, anything else as JSON), trace context included.
 *
 * <p>With {@code rill.producer.outbox.directory} set, every publish is journaled on local disk first and sent
 * in order by one thread: while Redis is unreachable entries wait there (surviving a crash), and
 * {@code publish} returns once the entry is journaled; the returned future completes when Redis has it.
 * A full outbox fails the publish with {@link OutboxFullException}. See docs/producing.md.
 *
 * <p>Beans: the primary server's is the unqualified {@code IdempotentStreamPublisher}; a server of
 * {@code redis.servers.<name>} has {@code @Named("<name>")}, its outbox identity suffixed with {@code -<name>}.
 */
public final class IdempotentStreamPublisher implements AutoCloseable {

    private final Producer producer;
    private final BodyCodec codec;

    public IdempotentStreamPublisher(Producer producer, BodyCodec codec) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /**
     * Publishes {@code body} to {@code stream} unless {@code idempotencyKey} was published there within the
     * retention. The future completes with the entry's ID (the first entry's on a retry).
     *
     * @throws OutboxFullException with an outbox, when it is full; nothing was written
     */
    public CompletableFuture<String> publish(String stream, String idempotencyKey, Object body) {
        return publish(idempotencyKey, entry(stream, body).build());
    }

    /**
     * As {@link #publish(String, String, Object)} for an entry built in full, such as
     * {@code entry("orders", order).field("tenant", "acme").maxLen(1_000_000).build()}.
     */
    public CompletableFuture<String> publish(String idempotencyKey, Output entry) {
        return producer.publish(idempotencyKey, entry);
    }

    /** A builder of an entry to {@code stream} holding {@code body}'s fields, for further fields or trimming. */
    public Output.Builder entry(String stream, Object body) {
        Output.Builder builder = Output.to(stream);
        codec.writeBytes(body).forEach(builder::field);
        return builder;
    }

    /** Entries in the outbox not yet confirmed by Redis; 0 without an outbox. */
    public int buffered() {
        return producer.buffered();
    }

    /** The core producer. */
    public Producer producer() {
        return producer;
    }

    @Override
    public void close() {
        producer.close();
    }
}
