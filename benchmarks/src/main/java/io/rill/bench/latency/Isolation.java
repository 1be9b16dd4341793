package io.rill.bench.latency;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.api.StatefulRedisConnection;
import io.rill.bench.CostProbe;

/**
 * What keeps one latency phase from disturbing the next: each phase starts on an empty Redis with only
 * the harness connected, and a contender's threads must be gone after it was closed. Whatever is not
 * as it should be is printed and kept in {@link #notes()}, so a run says when it was not isolated.
 */
final class Isolation {

    /** JDK threads that come and go on their own; not a contender's leftovers. */
    private static final List<String> JDK_THREADS = List.of("process reaper", "ForkJoinPool.commonPool", "Attach Listener",
            "Common-Cleaner", "Signal Dispatcher", "Notification Thread", "Reference Handler", "Finalizer", "JFR",
            "RMI", "Keep-Alive", "VirtualThread-unblocker");

    private final StatefulRedisConnection<String, String> admin;
    private final boolean flush;
    private final List<String> notes = new ArrayList<>();
    private long baselineClients = -1;

    /**
     * @param flush whether the harness started this Redis and may FLUSHALL it; a Redis named by
     *              REDIS_URI is someone else's and only has the phase's own stream deleted
     */
    Isolation(StatefulRedisConnection<String, String> admin, boolean flush) {
        this.admin = admin;
        this.flush = flush;
    }

    /** Empties the harness's Redis and waits until no client but the harness's is connected. */
    void quietRedis() throws InterruptedException {
        if (flush) {
            admin.sync().flushall();
        }
        if (baselineClients < 0) {
            baselineClients = connectedClients();
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long clients = connectedClients();
        while (clients > baselineClients && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
            clients = connectedClients();
        }
        if (clients > baselineClients) {
            note(String.format("%d client(s) beyond the harness's %d still connected to Redis at the start of a phase",
                    clients - baselineClients, baselineClients));
        }
    }

    /** The ids of the live threads that are not the harness's own. */
    Set<Long> snapshot() {
        Set<Long> ids = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            ids.add(t.threadId());
        }
        return ids;
    }

    /**
     * Waits up to 5 s for every thread started since {@code before} (the harness's and the JDK's
     * aside) to end; notes the ones left.
     */
    void awaitThreadsGone(Set<Long> before, String contender) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<String> left = leftBehind(before);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
            left = leftBehind(before);
        }
        if (!left.isEmpty()) {
            note(contender + " left " + left.size() + " thread(s) running 5 s after it was closed: " + left);
        }
    }

    List<String> notes() {
        return List.copyOf(notes);
    }

    private List<String> leftBehind(Set<Long> before) {
        List<String> left = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!t.isAlive() || before.contains(t.threadId())) {
                continue;
            }
            String name = t.getName();
            // the virtual-thread scheduler's carriers and unblocker belong to the JDK and idle out on their own
            boolean carrier = t.getClass().getName().equals("jdk.internal.misc.CarrierThread");
            if (carrier || name.startsWith(CostProbe.HARNESS_THREAD_PREFIX) || JDK_THREADS.stream().anyMatch(name::startsWith)) {
                continue;
            }
            left.add(name);
        }
        return left;
    }

    private long connectedClients() {
        for (String line : admin.sync().info("clients").split("\r?\n")) {
            if (line.startsWith("connected_clients:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return 0;
    }

    private void note(String note) {
        notes.add(note);
        System.out.println("isolation: " + note);
    }
}
