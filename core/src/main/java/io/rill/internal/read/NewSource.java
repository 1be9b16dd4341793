package io.rill.internal.read;

import java.util.List;

import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.SubscriptionOptions;
import io.rill.internal.admit.Source;

/** New entries (semantics 2): XREADGROUP {@code >} over every stream, with BLOCK {@code block-timeout}. */
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
}
