package io.rill.internal.checkpoint;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rill.Backoff;
import io.rill.CheckpointOptions;
import io.rill.DeadLetterOptions;
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
 * <p>Arguments: {@code uri stream group consumer|- directory [batch-size] [gate]}. An entry with field
 * {@code poison=halt} halts the JVM in its handler (after printing {@code HALT <id>}). System properties
 * {@code rill.test.max-failures} and {@code rill.test.max-deliveries} set the dead-letter limits.
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
        SubscriptionOptions options = SubscriptionOptions.builder().streams(stream).group(group).consumer(consumer)
                .startPosition(StartPosition.EARLIEST).batchSize(batch).ackFlushSize(batch)
                .blockTimeout(Duration.ofMillis(500)).backoff(Backoff.of(Duration.ofMillis(50), Duration.ofMillis(500)))
                .checkpoint(CheckpointOptions.directory(directory))
                .deadLetter(DeadLetterOptions.builder()
                        .maxFailures(Integer.getInteger("rill.test.max-failures", DeadLetterOptions.DEFAULT_MAX_FAILURES))
                        .maxDeliveries(Integer.getInteger("rill.test.max-deliveries", DeadLetterOptions.DEFAULT_MAX_DELIVERIES))
                        .build())
                .build();
        Subscription subscription;
        try {
            subscription = rill.subscribe(options, entry -> {
                if ("halt".equals(entry.field("poison"))) {
                    line("HALT " + entry.id());
                    Runtime.getRuntime().halt(9); // dies without an outcome: no failure, no ack
                }
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
        // found while the subscription runs: close() removes its meters, and the counter keeps what it counted,
        // the acks of the stop included
        Counter deduplicated = meters.find(SubscriptionMetrics.DEDUPLICATED).counter();
        rill.close();
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
