package io.rill.internal.publish;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.RedisClient;
import io.rill.CheckpointOptions.Fsync;
import io.rill.OutboxOptions;
import io.rill.Output;
import io.rill.ProducerOptions;
import io.rill.publish.Producer;

/**
 * A producer JVM for {@link OutboxKillTest}: publishes entries {@code from..to-1} of one stream through an
 * outbox, paced at {@code per-second} like a service taking requests, each with idempotency key
 * {@code order-<n>} and field {@code n}. Prints, unbuffered (a SIGKILL loses nothing printed): {@code A <n>}
 * once publish returned (the entry is journaled), {@code DONE} once Redis confirmed every entry; then
 * closes and exits 0.
 *
 * <p>Arguments: {@code uri stream directory from to per-second}.
 */
public final class ProducerProcess {

    private static final FileOutputStream OUT = new FileOutputStream(FileDescriptor.out);

    private ProducerProcess() {
    }

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        String stream = args[1];
        Path directory = Path.of(args[2]);
        int from = Integer.parseInt(args[3]);
        int to = Integer.parseInt(args[4]);
        long gapNanos = TimeUnit.SECONDS.toNanos(1) / Integer.parseInt(args[5]);

        RedisClient client = RedisClient.create(uri);
        Producer producer = Producer.builder(client).options(ProducerOptions.builder()
                .outbox(OutboxOptions.builder().directory(directory).identity("orders-api").fsync(Fsync.ALWAYS).build())
                .build()).build();
        long next = System.nanoTime();
        for (int n = from; n < to; n++) {
            producer.publish("order-" + n, Output.of(stream, Map.of("n", Integer.toString(n))));
            line("A " + n);
            next += gapNanos;
            LockSupport.parkNanos(next - System.nanoTime()); // the pace of incoming requests
        }
        while (producer.buffered() > 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        line("DONE");
        producer.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
        System.exit(0);
    }

    private static synchronized void line(String text) throws IOException {
        OUT.write((text + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
