package io.rill.bench.contender;

import java.util.List;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * The anchor every ratio is taken against: one thread, one connection, {@code XREADGROUP COUNT n
 * BLOCK 100}, handle the batch, one {@code XACK} with the batch's IDs, repeat. What a careful
 * engineer writes by hand in twenty lines.
 */
public final class PlainLettuceLoop implements Contender {

    private final int batch;
    private final String name;
    private final boolean awaitAck;

    public PlainLettuceLoop(int batch) {
        this(batch, "plain Lettuce loop", true);
    }

    /**
     * A loop under another name, for {@link Contenders#secondLoop} and {@link Contenders#earlyReadLoop}.
     *
     * @param awaitAck whether the next read waits for the XACK's answer (as the anchor does); without it the XACK
     *                 and the next XREADGROUP go out together, so the loop is waiting on Redis again one round trip
     *                 sooner
     */
    PlainLettuceLoop(int batch, String name, boolean awaitAck) {
        this.batch = batch;
        this.name = name;
        this.awaitAck = awaitAck;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public String semantics() {
        return "at-least-once";
    }

    @Override
    public String setup() {
        return "one thread, one connection: XREADGROUP COUNT " + batch + " BLOCK 100, handle, one XACK per batch"
                + (awaitAck ? "" : ", its answer not awaited before the next read");
    }

    @Override
    public Consumption start(String uri, String stream, String group, EntrySink sink) {
        RedisClient client = RedisClient.create(uri);
        StatefulRedisConnection<String, String> connection = client.connect();
        Loop loop = new Loop(connection, stream, group, sink);
        Thread thread = Thread.ofPlatform().name("plain-loop").daemon().start(loop);
        return () -> {
            loop.running = false;
            try {
                thread.join(); // within one BLOCK timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            connection.close();
            client.shutdown();
            if (loop.failure != null) {
                throw new IllegalStateException("plain loop failed", loop.failure);
            }
        };
    }

    private final class Loop implements Runnable {
        private final RedisCommands<String, String> sync;
        private final RedisAsyncCommands<String, String> async;
        private final String stream;
        private final String group;
        private final EntrySink sink;
        volatile boolean running = true;
        volatile RuntimeException failure;

        Loop(StatefulRedisConnection<String, String> connection, String stream, String group, EntrySink sink) {
            this.sync = connection.sync();
            this.async = connection.async();
            this.stream = stream;
            this.group = group;
            this.sink = sink;
        }

        @Override
        @SuppressWarnings("unchecked") // xreadgroup's generic varargs
        public void run() {
            Consumer<String> consumer = Consumer.from(group, "plain");
            XReadArgs args = XReadArgs.Builder.count(batch).block(100);
            StreamOffset<String> offset = StreamOffset.lastConsumed(stream);
            RedisFuture<Long> lastAck = null;
            try {
                while (running) {
                    List<StreamMessage<String, String>> messages = sync.xreadgroup(consumer, args, offset);
                    if (lastAck != null) { // answered before this read was: a failed XACK ends the loop here
                        lastAck.toCompletableFuture().join();
                        lastAck = null;
                    }
                    if (messages.isEmpty()) {
                        continue;
                    }
                    String[] ids = new String[messages.size()];
                    for (int i = 0; i < ids.length; i++) {
                        StreamMessage<String, String> m = messages.get(i);
                        sink.accept(m.getBody());
                        ids[i] = m.getId();
                    }
                    if (awaitAck) {
                        sync.xack(stream, group, ids);
                    } else {
                        lastAck = async.xack(stream, group, ids); // goes out ahead of the next read, on the same connection
                    }
                }
                if (lastAck != null) {
                    lastAck.toCompletableFuture().join();
                }
            } catch (RuntimeException e) {
                failure = e;
            }
        }
    }
}
