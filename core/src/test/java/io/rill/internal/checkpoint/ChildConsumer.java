package io.rill.internal.checkpoint;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A {@link ConsumerProcess} JVM run by a test: started with the test's classpath and this JVM's
 * {@code java}, its output collected line by line, and killed with SIGKILL
 * ({@link ProcessHandle#destroyForcibly()} on Linux) or stopped gracefully.
 */
final class ChildConsumer implements AutoCloseable {

    final Process process;
    /** Entry IDs the child's handler finished, in order; read through {@link #handled()}. */
    private final List<String> handled = new ArrayList<>();
    final List<String> stdout = new CopyOnWriteArrayList<>();
    final List<String> stderr = new CopyOnWriteArrayList<>();
    private final Thread outReader;
    private final Thread errReader;
    private final Writer stdin;

    private ChildConsumer(Process process) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.outReader = pump(process.getInputStream(), line -> {
            if (line.startsWith("H ")) {
                synchronized (handled) {
                    handled.add(line.substring(2));
                }
            } else {
                stdout.add(line);
            }
        });
        this.errReader = pump(process.getErrorStream(), stderr::add);
    }

    /**
     * Starts {@code ConsumerProcess} with these arguments.
     *
     * @param properties system properties for the child, {@code name=value}
     */
    static ChildConsumer start(List<String> properties, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1"); // starts faster; the child's speed is not what is tested
        command.add("-Dorg.slf4j.simpleLogger.log.io.lettuce=warn");
        command.add("-Dorg.slf4j.simpleLogger.log.io.netty=warn");
        for (String property : properties) {
            command.add("-D" + property);
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ConsumerProcess.class.getName());
        command.addAll(List.of(args));
        return new ChildConsumer(new ProcessBuilder(command).start());
    }

    private static Thread pump(InputStream in, Consumer<String> sink) {
        return Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
    }

    /** The IDs the child's handler finished so far, in order. */
    List<String> handled() {
        synchronized (handled) {
            return new ArrayList<>(handled);
        }
    }

    int handledCount() {
        synchronized (handled) {
            return handled.size();
        }
    }

    long pid() {
        return process.pid();
    }

    /** Waits for a stdout line starting with {@code prefix} and returns the rest of it. */
    String awaitLine(String prefix, Duration timeout) {
        await().atMost(timeout).until(() -> line(prefix).isPresent() || !process.isAlive());
        return line(prefix).orElseThrow(() -> new AssertionError("the child exited (" + exitCode() + ") without printing '"
                + prefix + "'; stdout " + stdout + ", stderr " + tail(stderr)));
    }

    Optional<String> line(String prefix) {
        return stdout.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).strip()).findFirst();
    }

    /** The consumer name the child is running as. */
    String consumer() {
        return awaitLine("CONSUMER ", Duration.ofSeconds(30));
    }

    void send(String command) throws IOException {
        stdin.write(command + "\n");
        stdin.flush();
    }

    /**
     * SIGKILL, then waits until the process and everything it printed are in. Through the process
     * handle: {@link Process#destroyForcibly()} sends the same signal but also closes our ends of the
     * child's pipes, which drops what the child printed and we had not read yet.
     */
    void kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        drain();
    }

    /** Graceful stop: Rill closes, the child exits 0. */
    void stop() throws IOException, InterruptedException {
        send("stop");
        drain();
        if (process.exitValue() != 0) {
            throw new AssertionError("child exited " + process.exitValue() + "; stderr " + tail(stderr));
        }
    }

    /** Waits for the process to end and reads the rest of its output. */
    void drain() throws InterruptedException {
        process.waitFor();
        outReader.join();
        errReader.join();
    }

    Integer exitCode() {
        return process.isAlive() ? null : process.exitValue();
    }

    static List<String> tail(List<String> lines) {
        return lines.subList(Math.max(0, lines.size() - 20), lines.size());
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
