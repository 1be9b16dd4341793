package io.rill.bench.contender;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.rill.Output;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;

/**
 * Rill with a handler that writes one output entry per input to {@code <stream>:out}, the two ways
 * {@code @SendTo} can: {@link Mode#PUBLISH_THEN_ACK} (the handler XADDs and waits for the reply, then returns
 * and the input is acked, as {@code @SendTo(transactional = false)} does) and {@link Mode#TRANSACTIONAL}
 * (the handler returns the output, which Rill commits with the input's XACK in one batched script,
 * semantics 12). Both with Rill's default options otherwise, so the ratio between them is the cost of the
 * guarantee. The output stream is deleted when the run ends.
 */
public final class RillOutput implements Contender {

    /** How the output is written. */
    public enum Mode {
        PUBLISH_THEN_ACK("Rill, output publish-then-ack", "at-least-once output"),
        TRANSACTIONAL("Rill, transactional output", "exactly-once output");

        final String name;
        final String semantics;

        Mode(String name, String semantics) {
            this.name = name;
            this.semantics = semantics;
        }
    }

    private final Mode mode;
    private final int batch;

    public RillOutput(Mode mode, int batch) {
        this.mode = mode;
        this.batch = batch;
    }

    @Override
    public String name() {
        return mode.name;
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public String semantics() {
        return mode.semantics;
    }

    @Override
    public String setup() {
        return (mode == Mode.TRANSACTIONAL ? "Rill.subscribeWithOutputs, the handler returns one Output per input"
                : "Rill.subscribe, the handler XADDs one entry per input on a connection of its own and waits for it")
                + ", batch-size " + batch + ", other options default";
    }

    @Override
    public Consumption start(String uri, String stream, String group, EntrySink sink) {
        RedisClient client = RedisClient.create(uri);
        Rill rill = Rill.create(client);
        String out = stream + ":out";
        SubscriptionOptions options = SubscriptionOptions.builder().streams(stream).group(group).consumer("rill")
                .startPosition(StartPosition.EARLIEST).batchSize(batch).build();
        StatefulRedisConnection<String, String> publisher = client.connect();
        Subscription subscription;
        if (mode == Mode.TRANSACTIONAL) {
            subscription = rill.subscribeWithOutputs(options, Set.of(out), entry -> {
                sink.accept(entry.fields());
                return List.of(Output.to(out).field("in", entry.id()).field("payload", entry.bytes("payload")).build());
            });
        } else {
            subscription = rill.subscribe(options, entry -> {
                sink.accept(entry.fields());
                publisher.sync().xadd(out, "in", entry.id(), "payload", entry.field("payload"));
            });
        }
        return new Consumption() {
            @Override
            public void close() {
                subscription.close(Duration.ofSeconds(10));
                rill.close();
                publisher.sync().del(out);
                publisher.close();
                client.shutdown();
                if (subscription.lastError().isPresent()) {
                    throw new IllegalStateException(mode.name + " failed", subscription.lastError().get());
                }
            }
        };
    }
}
