package io.rill.checkpoint;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.Backoff;
import io.rill.CheckpointOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.metrics.SubscriptionMetrics;

/**
 * A consumer JVM for the crash tests, started by {@link ChildConsumer}. It subscribes one stream with a
 * checkpoint directory and reports on stdout, one line each, unbuffered (so that a SIGKILL loses
 * nothing it printed): {@code CONSUMER <name>} once subscribed, {@code H <id>} when its handler
 * finished an entry (before returning, so before the entry's ack is journaled), {@code GATED} when the
 * handler waits at the gate, {@code FAILED <message>} when subscribing failed (exit code 3).
 * Commands on stdin: {@code go} opens the gate, {@code stop} (or end of input) closes Rill gracefully,
 * prints {@code DEDUPLICATED <n>} and {@code STOPPED}, and exits 0.
 *
 * <p>Arguments: {@code uri stream group consumer|- directory [batch-size] [gate]}.
 */
public final class ConsumerProcess {

    private static final FileOutputStream OUT = new FileOutputStream(FileDescriptor.out);

    private ConsumerProcess() {
    }

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        String stream = args[1];
        String group = args[2];
        String consumer = args[3].equals("-") ? null : args[3];
        Path directory = Path.of(args[4]);
        int batch = args.length > 5 ? Integer.parseInt(args[5]) : 100;
        CountDownLatch gate = args.length > 6 && args[6].equals("gate") ? new CountDownLatch(1) : null;

        RedisClient client = RedisClient.create(uri);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Rill rill = Rill.builder(client).meterRegistry(meters).build();
        // with the pause point on, acks are flushed by size only: the held-back flush is one whole batch
        // however slowly this JVM starts (a timed flush of the first few would be held back instead)
        Duration flushInterval = Boolean.getBoolean("rill.test.pause-before-xack") ? Duration.ofMinutes(10)
                : SubscriptionOptions.DEFAULT_ACK_FLUSH_INTERVAL;
        SubscriptionOptions options = SubscriptionOptions.builder().streams(stream).group(group).consumer(consumer)
                .startPosition(StartPosition.EARLIEST).batchSize(batch).ackFlushSize(batch).ackFlushInterval(flushInterval)
                .blockTimeout(Duration.ofMillis(500)).backoff(Backoff.of(Duration.ofMillis(50), Duration.ofMillis(500)))
                .checkpoint(CheckpointOptions.directory(directory))
                .build();
        Subscription subscription;
        try {
            subscription = rill.subscribe(options, entry -> {
                if (gate != null && gate.getCount() > 0) {
                    line("GATED");
                    gate.await();
                }
                line("H " + entry.id());
            });
        } catch (RuntimeException e) {
            line("FAILED " + e.getMessage());
            System.exit(3);
            return;
        }
        line("CONSUMER " + subscription.options().consumer());

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String command;
        while ((command = in.readLine()) != null && !command.equals("stop")) {
            if (command.equals("go") && gate != null) {
                gate.countDown();
            }
        }
        rill.close();
        Counter deduplicated = meters.find(SubscriptionMetrics.DEDUPLICATED).counter();
        line("DEDUPLICATED " + (deduplicated == null ? 0 : (long) deduplicated.count()));
        line("STOPPED");
        client.shutdown(0, 2, TimeUnit.SECONDS);
        System.exit(0);
    }

    private static synchronized void line(String text) {
        try {
            OUT.write((text + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
