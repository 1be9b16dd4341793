package io.rill.internal.read;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.rill.StreamEntry;
import io.rill.SubscriptionOptions;
import io.rill.internal.admit.Source;
import io.rill.internal.connect.EntryCodec;

/**
 * New entries (semantics 2): XREADGROUP {@code >} over every stream, with BLOCK {@code block-timeout},
 * decoded into entries by {@link FreshReadOutput}. A read can be {@link #send sent ahead} while the admission
 * admits the previous batch: both go out on the read connection in order, so the second returns the entries
 * after the first's.
 */
public final class NewSource implements Source {

    private final String group;
    private final String consumer;
    private final List<String> streams;
    private final long blockMillis;

    public NewSource(SubscriptionOptions options) {
        this.group = options.group();
        this.consumer = options.consumer();
        this.streams = options.streams();
        this.blockMillis = options.blockTimeout().toMillis();
    }

    @Override
    public Batch next(RedisCommands<String, byte[]> commands, int count) {
        return Batch.fresh(commands.dispatch(CommandType.XREADGROUP, new FreshReadOutput(), args(count)));
    }

    @Override
    public Pending send(RedisCommands<String, byte[]> commands, int count) {
        StatefulRedisConnection<String, byte[]> connection = commands.getStatefulConnection();
        RedisFuture<List<StreamEntry>> reply = connection.async().dispatch(CommandType.XREADGROUP, new FreshReadOutput(),
                args(count));
        // the timeout a synchronous read gets (the read connection's: block-timeout plus a margin)
        long timeout = connection.getTimeout().toNanos();
        return () -> Batch.fresh(LettuceFutures.awaitOrCancel(reply, timeout, TimeUnit.NANOSECONDS));
    }

    /** {@code GROUP group consumer COUNT count BLOCK ms STREAMS key... > ...} */
    private CommandArgs<String, byte[]> args(int count) {
        CommandArgs<String, byte[]> args = new CommandArgs<>(EntryCodec.INSTANCE).add("GROUP").add(group).add(consumer)
                .add("COUNT").add(count).add("BLOCK").add(blockMillis).add("STREAMS");
        for (String stream : streams) {
            args.addKey(stream);
        }
        for (int i = 0; i < streams.size(); i++) {
            args.add(">");
        }
        return args;
    }
}
