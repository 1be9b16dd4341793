package io.rill.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the figures were measured on, read from the machine itself (Linux /proc and /etc, the JVM's
 * properties, Redis's INFO), so the docs never describe a machine from memory.
 */
public record Machine(String cpu, int cpus, String memory, String os, String jdk, String jvmOptions, String redis,
        String libraries) {

    public static Machine describe(String redisVersion) {
        String cpu = firstValue(Path.of("/proc/cpuinfo"), "model name").orElse(System.getProperty("os.arch"));
        String memory = firstValue(Path.of("/proc/meminfo"), "MemTotal")
                .map(v -> String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(v.replace("kB", "").strip()) / 1024.0 / 1024.0))
                .orElse("unknown");
        String os = firstValue(Path.of("/etc/os-release"), "PRETTY_NAME").map(v -> v.replace("\"", ""))
                .orElse(System.getProperty("os.name"));
        os += ", kernel " + System.getProperty("os.version");
        String jdk = System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version");
        String jvmOptions = String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments());
        String libraries = "Lettuce " + version(io.lettuce.core.RedisClient.class)
                + ", Spring Data Redis " + version(org.springframework.data.redis.core.RedisTemplate.class)
                + " on Spring Framework " + org.springframework.core.SpringVersion.getVersion()
                + ", HdrHistogram " + version(org.HdrHistogram.Histogram.class);
        return new Machine(cpu, Runtime.getRuntime().availableProcessors(), memory, os, jdk, jvmOptions, redisVersion,
                libraries);
    }

    /** The 1, 5 and 15 minute load averages, as /proc/loadavg has them. */
    public static String loadAverage() {
        try {
            List<String> parts = List.of(Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+"));
            return String.join(" / ", parts.subList(0, 3));
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * Waits until the 1-minute load average is below {@code limit}, at most {@code atMost}, printing what it waits
     * for: once the machine is idle it falls to about 37 % of itself a minute, so a build's load of 1.5 takes about
     * 25 s to fall below 1. Returns at once where the load is unknown.
     */
    public static void awaitLoadBelow(double limit, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        double load = loadAverage1();
        if (load >= limit) {
            System.out.printf(Locale.ROOT, "waiting up to %d s for the 1-minute load average (%.2f) to fall below %.1f%n",
                    atMost.toSeconds(), load, limit);
        }
        while (load >= limit && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            load = loadAverage1();
        }
    }

    /** The 1-minute load average, or -1 when unknown. */
    public static double loadAverage1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static Optional<String> firstValue(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                int sep = line.indexOf(line.contains("=") && !line.contains(":") ? '=' : ':');
                if (sep > 0 && line.substring(0, sep).strip().equals(key)) {
                    return Optional.of(line.substring(sep + 1).strip());
                }
            }
        } catch (IOException e) {
            // not Linux: fall back to what the JVM says
        }
        return Optional.empty();
    }

    private static String version(Class<?> type) {
        String version = type.getPackage().getImplementationVersion();
        if (version != null) {
            return version.replaceAll("/.*", ""); // Lettuce appends its commit: 7.5.1.RELEASE/a2d070e
        }
        // no manifest version: the jar's file name says it (lettuce-core-7.5.1.RELEASE.jar)
        String location = String.valueOf(type.getProtectionDomain().getCodeSource().getLocation());
        String file = location.substring(location.lastIndexOf('/') + 1).replace(".jar", "");
        return file.replaceAll("^[A-Za-z-]+-(?=\\d)", "");
    }
}
