package io.rill.bench.contender;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.rill.CheckpointOptions;
import io.rill.CheckpointOptions.Fsync;
import io.rill.SubscriptionOptions;
import io.rill.tracing.OpenTelemetryTracing;

/** Who runs, in this order: the anchor first (every ratio is taken against it). */
public final class Contenders {

    private Contenders() {
    }

    /** @param batch the COUNT every contender reads with */
    public static List<Contender> all(int batch) {
        return List.of(
                new PlainLettuceLoop(batch),
                new SpringContainer(SpringContainer.Ack.PER_MESSAGE, batch),
                new SpringContainer(SpringContainer.Ack.AUTO_ACK, batch),
                new RillSubscription("Rill, journal off", "", batch, options -> options),
                traced(batch),
                journal(batch, Fsync.NEVER),
                journal(batch, Fsync.INTERVAL),
                journal(batch, Fsync.ALWAYS),
                new RillOutput(RillOutput.Mode.PUBLISH_THEN_ACK, batch),
                new RillOutput(RillOutput.Mode.TRANSACTIONAL, batch));
    }

    /**
     * The method's control ({@code --control on}): a second plain loop, run and paired with the first like any other
     * contender. What the benchmark says of two equal contenders is what its verdicts on the others can be held to.
     */
    public static Contender secondLoop(int batch) {
        return new PlainLettuceLoop(batch, "plain Lettuce loop, a second one", true);
    }

    /**
     * A control for the order in which Redis answers two consumers blocked on one stream ({@code --control early-read}):
     * a plain loop that sends its next read with its XACK instead of after the XACK's answer, so that, like Rill, it is
     * waiting on Redis again one round trip sooner than the anchor.
     */
    public static Contender earlyReadLoop(int batch) {
        return new PlainLettuceLoop(batch, "plain Lettuce loop, next read with its XACK", false);
    }

    /**
     * Rill with trace context on: an OpenTelemetry SDK that samples and ends every span and exports none
     * (a simple processor over a no-op exporter), so the figure is Rill's tracing cost, not an exporter's.
     * The harness writes entries without a traceparent, so each span starts a trace (no parent to parse).
     */
    private static Contender traced(int batch) {
        return new RillSubscription("Rill, traced (no-op exporter)", "tracing OpenTelemetry SDK, spans dropped", batch,
                options -> options, () -> OpenTelemetryTracing.create(OpenTelemetrySdk.builder()
                        .setTracerProvider(SdkTracerProvider.builder()
                                .addSpanProcessor(SimpleSpanProcessor.create(SpanExporter.composite())).build())
                        .build()));
    }

    /** Rill with a file checkpoint journal under a directory of the run, deleted when the JVM exits. */
    private static Contender journal(int batch, Fsync fsync) {
        String policy = fsync.name().toLowerCase(Locale.ROOT);
        return new RillSubscription("Rill, journal fsync " + policy, "checkpoint.fsync " + policy, batch,
                options -> options.checkpoint(CheckpointOptions.builder().directory(JournalDirectory.get()).fsync(fsync).build()));
    }

    /** One temporary directory for every journal of the run; each run's group gets its own journal in it. */
    private static final class JournalDirectory {
        private static Path directory;

        static synchronized Path get() {
            if (directory == null) {
                try {
                    directory = Files.createTempDirectory("rill-bench-journal");
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create a journal directory for the benchmark", e);
                }
                Path created = directory;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try (Stream<Path> files = Files.walk(created)) {
                        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                    } catch (IOException ignored) {
                        // a leftover temp directory is all that is lost
                    }
                }));
            }
            return directory;
        }
    }

    /**
     * A Rill contender with options changed from the common ones, for trying settings out
     * ({@code benchmarks/run --rill-variant max-in-flight=5000,ack-flush-size=100}).
     *
     * @param spec comma-separated {@code option=value}: batch-size, max-in-flight, ack-flush-size,
     *             concurrency, ack-flush-interval and block-timeout (the last two in ms)
     */
    public static Contender rillVariant(int batch, String spec) {
        UnaryOperator<SubscriptionOptions.Builder> customizer = options -> options;
        for (String pair : spec.split(",")) {
            String[] kv = pair.strip().split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("--rill-variant takes option=value pairs, was '" + pair + "'");
            }
            int value = Integer.parseInt(kv[1].strip().replace("_", ""));
            UnaryOperator<SubscriptionOptions.Builder> one = switch (kv[0].strip()) {
                case "batch-size" -> o -> o.batchSize(value);
                case "max-in-flight" -> o -> o.maxInFlight(value);
                case "ack-flush-size" -> o -> o.ackFlushSize(value);
                case "concurrency" -> o -> o.concurrency(value);
                case "ack-flush-interval" -> o -> o.ackFlushInterval(Duration.ofMillis(value));
                case "block-timeout" -> o -> o.blockTimeout(Duration.ofMillis(value));
                default -> throw new IllegalArgumentException("--rill-variant knows batch-size, max-in-flight, "
                        + "ack-flush-size, concurrency, ack-flush-interval (ms) and block-timeout (ms), not '" + kv[0] + "'");
            };
            UnaryOperator<SubscriptionOptions.Builder> before = customizer;
            customizer = o -> one.apply(before.apply(o));
        }
        return new RillSubscription("Rill, " + spec, spec, batch, customizer);
    }
}
