package io.rill.internal.read;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.rill.StreamEntry;
import io.rill.SubscriptionOptions;
import io.rill.internal.admit.Source;
import io.rill.internal.connect.EntryCodec;

/**
 * New entries (semantics 2): XREADGROUP {@code >} over every stream, with BLOCK {@code block-timeout},
 * decoded into entries by {@link FreshReadOutput}. Reads are {@link #send sent}: the admission takes each
 * reply on the I/O thread that decoded it and may send the next read from there, ahead of admitting the
 * batch; reads go out on the read connection in order, so each returns the entries after the previous one's.
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
    public Pending send(RedisCommands<String, byte[]> commands, int count, Consumer<Batch> arrived) {
        StatefulRedisConnection<String, byte[]> connection = commands.getStatefulConnection();
        AsyncCommand<String, byte[], List<StreamEntry>> reply = new AsyncCommand<>(
                new Command<>(CommandType.XREADGROUP, new FreshReadOutput(), args(count)));
        // attached before the read goes out, so it runs where the reply completes (the I/O thread); what it
        // throws stays in the future
        CompletableFuture<Void> arrival = reply.thenAccept(entries -> arrived.accept(Batch.fresh(entries)));
        connection.dispatch(reply);
        // the timeout a synchronous read gets (the read connection's: block-timeout plus a margin)
        long timeout = connection.getTimeout().toNanos();
        return new Pending() {
            @Override
            public CompletableFuture<Void> arrival() {
                return arrival;
            }

            @Override
            public void cancel() {
                reply.cancel(true);
            }

            @Override
            public long timeoutNanos() {
                return timeout;
            }
        };
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
