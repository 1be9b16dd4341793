package io.rill.internal.read;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.SubscriptionOptions;
import io.rill.internal.admit.Source;

/**
 * This consumer's own pending entries (semantics 3): XREADGROUP from ID {@code 0}, cursor carried per
 * stream, until a stream returns fewer than COUNT. Never with BLOCK: Redis ignores BLOCK for history
 * reads, which would make it a hot loop. Each drain starts over from {@code 0}.
 */
public final class HistorySource implements Source {

    private final List<String> streams;
    private final Consumer<String> consumer;
    private final Map<String, String> cursors = new LinkedHashMap<>();
    private boolean draining;

    public HistorySource(SubscriptionOptions options) {
        this.streams = options.streams();
        this.consumer = Consumer.from(options.group(), options.consumer());
    }

    @Override
    public void reset() {
        draining = false;
    }

    @Override
    public Batch next(RedisCommands<String, String> commands, int count) {
        if (!draining) {
            draining = true;
            cursors.clear();
            for (String stream : streams) {
                cursors.put(stream, "0");
            }
        }
        if (cursors.isEmpty()) {
            draining = false; // exhausted: the next call starts a new drain
            return null;
        }
        @SuppressWarnings("unchecked")
        StreamOffset<String>[] offsets = cursors.entrySet().stream()
                .map(e -> StreamOffset.from(e.getKey(), e.getValue()))
                .toArray(StreamOffset[]::new);
        List<StreamMessage<String, String>> messages = commands.xreadgroup(consumer, XReadArgs.Builder.count(count), offsets);
        Map<String, Integer> returned = new HashMap<>();
        for (StreamMessage<String, String> message : messages) {
            cursors.put(message.getStream(), message.getId());
            returned.merge(message.getStream(), 1, Integer::sum);
        }
        // fewer than COUNT back means that stream's pending list is exhausted
        cursors.keySet().removeIf(stream -> returned.getOrDefault(stream, 0) < count);
        return Batch.of(Origin.HISTORY, messages);
    }
}
