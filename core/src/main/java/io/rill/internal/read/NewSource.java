package io.rill.internal.read;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Consumer;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.SubscriptionOptions;
import io.rill.internal.admit.Source;

/**
 * New entries (semantics 2): XREADGROUP {@code >} over every stream, with BLOCK {@code block-timeout}.
 * A read can be {@link #send sent ahead} while the admission admits the previous batch: both go out on
 * the read connection in order, so the second returns the entries after the first's.
 */
public final class NewSource implements Source {

    private final Consumer<String> consumer;
    private final StreamOffset<String>[] offsets;
    private final long blockMillis;

    @SuppressWarnings("unchecked")
    public NewSource(SubscriptionOptions options) {
        this.consumer = Consumer.from(options.group(), options.consumer());
        this.offsets = options.streams().stream().map(StreamOffset::lastConsumed).toArray(StreamOffset[]::new);
        this.blockMillis = options.blockTimeout().toMillis();
    }

    @Override
    public Batch next(RedisCommands<String, byte[]> commands, int count) {
        List<StreamMessage<String, byte[]>> messages = commands.xreadgroup(consumer,
                XReadArgs.Builder.count(count).block(blockMillis), offsets);
        return Batch.fresh(messages);
    }

    @Override
    public Pending send(RedisCommands<String, byte[]> commands, int count) {
        StatefulRedisConnection<String, byte[]> connection = commands.getStatefulConnection();
        RedisFuture<List<StreamMessage<String, byte[]>>> reply = connection.async().xreadgroup(consumer,
                XReadArgs.Builder.count(count).block(blockMillis), offsets);
        // the timeout a synchronous read gets (the read connection's: block-timeout plus a margin)
        long timeout = connection.getTimeout().toNanos();
        return () -> Batch.fresh(LettuceFutures.awaitOrCancel(reply, timeout, TimeUnit.NANOSECONDS));
    }
}
