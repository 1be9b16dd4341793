package io.rill.faults;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One consumer identity of a scenario (a consumer name and its arguments), run as a {@link FaultConsumer}
 * child JVM: started with this JVM's {@code java} and classpath, SIGKILLed and started again (a new
 * incarnation, same name), finally stopped gracefully. Its {@code H} and {@code P} lines go to the
 * {@link Ledger} as they arrive; stderr (Rill's log) goes to {@code <logs>/<name>-<incarnation>.log}.
 */
final class ConsumerJvm implements AutoCloseable {

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    final String name;
    private final List<String> args;
    private final Path logs;
    private final Ledger ledger;
    private int incarnation;
    private Process process;
    private Thread stdoutPump;
    private Path stderrLog;
    /** stdout lines of the current incarnation other than H and P. */
    private final List<String> lines = new CopyOnWriteArrayList<>();
    /** False after kill() or stop(): the process is meant to be gone. */
    private volatile boolean meantToRun;
    /** The current incarnation was told to halt before an output commit: that exit is expected. */
    private volatile boolean haltExpected;

    ConsumerJvm(String name, List<String> args, Path logs, Ledger ledger) {
        this.name = name;
        this.args = List.copyOf(args);
        this.logs = logs;
        this.ledger = ledger;
    }

    /** Starts a new incarnation; the previous one must be gone. */
    void start() throws IOException {
        start(List.of());
    }

    /**
     * Starts a new incarnation that halts right before sending its {@code n}-th output commit (the commit
     * ready, not sent): {@link #halted()} tells when it did.
     */
    void startHaltingBeforeCommit(int n) throws IOException {
        start(List.of("halt-before-commit=" + n));
    }

    /** True when the current incarnation halted before a commit, as {@link #startHaltingBeforeCommit} asked. */
    boolean halted() {
        return haltExpected && process != null && !process.isAlive() && process.exitValue() == FaultConsumer.HALT_EXIT;
    }

    /** True once the current incarnation subscribed (printed its consumer name): it reads from now on. */
    boolean subscribed() {
        return lines.stream().anyMatch(line -> line.startsWith("CONSUMER "));
    }

    /** After {@link #halted()}: waits until everything it printed has been read; the process is gone. */
    void reapHalted() throws InterruptedException {
        meantToRun = false;
        process.waitFor();
        stdoutPump.join();
    }

    private void start(List<String> extra) throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        incarnation++;
        lines.clear();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        command.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
        command.add("-Dorg.slf4j.simpleLogger.log.io.lettuce=warn");
        command.add("-Dorg.slf4j.simpleLogger.log.io.netty=warn");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(FaultConsumer.class.getName());
        command.addAll(args);
        command.addAll(extra);
        haltExpected = !extra.isEmpty();
        Files.createDirectories(logs);
        stderrLog = logs.resolve(name + "-" + incarnation + ".log");
        process = new ProcessBuilder(command).redirectError(stderrLog.toFile()).start();
        meantToRun = true;
        Process current = process;
        stdoutPump = Thread.ofPlatform().daemon().name("fault-pump-" + name + "-" + incarnation)
                .start(() -> pump(current.getInputStream()));
    }

    private void pump(InputStream in) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("H ")) {
                    ledger.handled(line.substring(2));
                } else if (line.startsWith("P ")) {
                    ledger.poisonAttempt(line.substring(2));
                } else {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    /**
     * SIGKILL, then waits until the process is gone and everything it printed has been read. Through the
     * process handle: {@link Process#destroyForcibly()} would also close our end of its stdout and drop
     * lines printed but not yet read.
     */
    void kill() throws InterruptedException {
        meantToRun = false;
        if (process == null) {
            return;
        }
        process.toHandle().destroyForcibly();
        process.waitFor();
        stdoutPump.join();
    }

    /** Asks for a graceful stop (Rill closes, the JVM exits 0); {@link #awaitStopped()} waits for it. */
    void requestStop() throws IOException {
        meantToRun = false;
        OutputStream stdin = process.getOutputStream();
        stdin.write("stop\n".getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** Waits for the graceful stop asked for by {@link #requestStop()} and checks that it was one. */
    void awaitStopped() throws InterruptedException {
        await().atMost(STOP_TIMEOUT).until(() -> !process.isAlive());
        stdoutPump.join();
        if (process.exitValue() != 0 || !lines.contains("STOPPED")) {
            throw new AssertionError(name + " did not stop gracefully: exit " + process.exitValue() + ", stdout "
                    + lines + ", log " + stderrLog + tail());
        }
    }

    /** Non-null when the current incarnation ended although nobody killed or stopped it. */
    String unexpectedExit() {
        if (!meantToRun || process == null || process.isAlive() || halted()) {
            return null;
        }
        return name + " (incarnation " + incarnation + ") exited " + process.exitValue() + " by itself; stdout " + lines
                + ", log " + stderrLog + tail();
    }

    int incarnations() {
        return incarnation;
    }

    private String tail() {
        try {
            List<String> all = Files.readAllLines(stderrLog);
            return "\n  " + String.join("\n  ", all.subList(Math.max(0, all.size() - 30), all.size()));
        } catch (IOException e) {
            return " (unreadable: " + e + ")";
        }
    }

    /** Kills the current incarnation if it still runs. */
    @Override
    public void close() {
        if (running()) {
            try {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.toHandle().destroyForcibly();
            }
        }
    }

    @Override
    public String toString() {
        return name + "#" + incarnation + (running() ? " running" : " down");
    }
}
