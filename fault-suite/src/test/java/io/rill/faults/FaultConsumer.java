package io.rill.faults;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.RedisClient;
import io.rill.Backoff;
import io.rill.CheckpointOptions;
import io.rill.Output;
import io.rill.ReclaimOptions;
import io.rill.RetryOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;

/**
 * One consumer JVM of the fault suite, started (and SIGKILLed) by {@link ConsumerJvm}. It subscribes one
 * stream and group with Rill; its handler throws for entries whose field {@code poison} is {@code 1} and
 * otherwise does {@code work-micros} of simulated I/O, then reports the entry.
 *
 * <p>Reports on stdout, one line per write, unbuffered, so that a SIGKILL loses nothing printed:
 * {@code CONSUMER <name>} once subscribed; {@code H <id>} when the handler finished a valid entry (just
 * before it returns, so before the ack); {@code P <id>} each time the handler throws for a poison entry;
 * {@code FAILED <message>} when subscribing failed (exit code 3); {@code STOPPED} after a graceful stop.
 * A line {@code stop} on stdin, or the end of stdin (the test JVM is gone), stops Rill gracefully and
 * exits 0.
 *
 * <p>Arguments, {@code key=value}: {@code uri}, {@code stream}, {@code group}, {@code consumer} (required);
 * {@code concurrency} (1), {@code work-micros} (1000), {@code min-idle-ms} (1500), {@code claim-interval-ms}
 * (500), {@code attempts} (3), {@code batch} (100), {@code checkpoint} (a directory for the file ack
 * journal, or {@code -} for none; default none), {@code output} (a stream: the handler returns one output
 * entry per valid input, fields {@code in} = the input's ID and {@code n}, committed with the input's ack,
 * semantics 12; default none), {@code output-mode} ({@code transactional}, the default, or
 * {@code publish-then-ack}: the handler XADDs the output itself and returns, as {@code @SendTo(transactional =
 * false)} does, to show what the fault scenarios find without semantics 12), {@code halt-before-commit} (n: the JVM halts, exit code
 * {@value #HALT_EXIT}, right before sending its n-th output commit; default never). Dead letters:
 * {@link DeadLetterPolicy#options()}.
 */
public final class FaultConsumer {

    private static final FileOutputStream OUT = new FileOutputStream(FileDescriptor.out);
    /** The exit code of a halt before a commit (the core's internal test hook). */
    static final int HALT_EXIT = 86;

    private FaultConsumer() {
    }

    /** Thrown by the handler for a poison entry. */
    static final class PoisonException extends Exception {
        private static final long serialVersionUID = 1L;

        PoisonException(String id) {
            super("poison entry " + id);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> arguments = parse(args);
        String uri = required(arguments, "uri");
        String stream = required(arguments, "stream");
        String group = required(arguments, "group");
        String consumer = required(arguments, "consumer");
        int concurrency = Integer.parseInt(arguments.getOrDefault("concurrency", "1"));
        long workNanos = TimeUnit.MICROSECONDS.toNanos(Long.parseLong(arguments.getOrDefault("work-micros", "1000")));
        Duration minIdle = Duration.ofMillis(Long.parseLong(arguments.getOrDefault("min-idle-ms", "1500")));
        Duration claimInterval = Duration.ofMillis(Long.parseLong(arguments.getOrDefault("claim-interval-ms", "500")));
        int attempts = Integer.parseInt(arguments.getOrDefault("attempts", "3"));
        int batch = Integer.parseInt(arguments.getOrDefault("batch", "100"));
        String checkpoint = arguments.getOrDefault("checkpoint", "-");
        String output = arguments.get("output");
        if (arguments.containsKey("halt-before-commit")) {
            // read by the core when the first subscription with outputs is built
            System.setProperty("rill.internal.halt-before-commit", arguments.get("halt-before-commit"));
        }

        SubscriptionOptions options = SubscriptionOptions.builder()
                .streams(stream).group(group).consumer(consumer)
                .startPosition(StartPosition.EARLIEST)
                .concurrency(concurrency)
                .batchSize(batch)
                .blockTimeout(Duration.ofMillis(500))
                .backoff(Backoff.of(Duration.ofMillis(50), Duration.ofSeconds(1)))
                .shutdownTimeout(Duration.ofSeconds(20))
                .retry(RetryOptions.builder().maxAttempts(attempts)
                        .backoff(Duration.ofMillis(20), Duration.ofMillis(100), 2.0, 0.5).build())
                .reclaim(ReclaimOptions.builder().interval(claimInterval).minIdle(minIdle).build())
                .deadLetter(DeadLetterPolicy.options())
                .checkpoint(checkpoint.equals("-") ? CheckpointOptions.OFF : CheckpointOptions.directory(Path.of(checkpoint)))
                .build();

        RedisClient client = RedisClient.create(uri);
        Rill rill = Rill.create(client);
        Subscription subscription;
        try {
            if (output == null) {
                subscription = rill.subscribe(options, entry -> {
                    if ("1".equals(entry.field("poison"))) {
                        line("P " + entry.id());
                        throw new PoisonException(entry.id());
                    }
                    if (workNanos > 0) {
                        LockSupport.parkNanos(workNanos); // stands for the I/O a real handler does
                    }
                    line("H " + entry.id());
                });
            } else if (arguments.getOrDefault("output-mode", "transactional").equals("publish-then-ack")) {
                var publisher = client.connect();
                subscription = rill.subscribe(options, entry -> {
                    if ("1".equals(entry.field("poison"))) {
                        line("P " + entry.id());
                        throw new PoisonException(entry.id());
                    }
                    if (workNanos > 0) {
                        LockSupport.parkNanos(workNanos);
                    }
                    line("H " + entry.id());
                    publisher.sync().xadd(output, "in", entry.id(), "n", entry.field("n"));
                });
            } else {
                subscription = rill.subscribeWithOutputs(options, Set.of(output), entry -> {
                    if ("1".equals(entry.field("poison"))) {
                        line("P " + entry.id());
                        throw new PoisonException(entry.id());
                    }
                    if (workNanos > 0) {
                        LockSupport.parkNanos(workNanos);
                    }
                    line("H " + entry.id()); // before the commit: a kill after this line may still write nothing
                    return List.of(Output.to(output).field("in", entry.id()).field("n", entry.field("n")).build());
                });
            }
        } catch (RuntimeException e) {
            line("FAILED " + e);
            System.exit(3);
            return;
        }
        line("CONSUMER " + subscription.options().consumer());

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String command;
        while ((command = in.readLine()) != null && !command.equals("stop")) {
            // only "stop" means anything
        }
        rill.close();
        line("STOPPED");
        client.shutdown(0, 2, TimeUnit.SECONDS);
        System.exit(0);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> map = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("arguments are key=value, was '" + arg + "'");
            }
            map.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return map;
    }

    private static String required(Map<String, String> arguments, String key) {
        String value = arguments.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("missing argument " + key + "=...");
        }
        return value;
    }

    private static synchronized void line(String text) {
        try {
            OUT.write((text + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
