package io.rill.testing;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local Redis Cluster of {@code redis-server --cluster-enabled yes} processes on free ports: masters
 * with the 16384 slots split evenly, each with its replicas. {@link #start()} returns once every node
 * says {@code cluster_state:ok} and every replica has synced with its master.
 *
 * <p>Each node is a {@link RedisServer}: {@link RedisServer#kill()} is a SIGKILL, {@link RedisServer#restart()}
 * brings it back on its port with its {@code nodes.conf}, so it rejoins (a master that lost its slots
 * meanwhile comes back as a replica of the promoted one). With a short {@code cluster-node-timeout} a
 * killed master's replica takes over by itself; {@link #awaitHealthy()} waits for that.
 *
 * <pre>{@code
 * try (RedisCluster cluster = RedisCluster.start()) {
 *     RedisClusterClient client = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create).toList());
 *     ...
 *     cluster.masterFor("orders").kill();   // its replica is promoted after the node timeout
 *     cluster.awaitHealthy();
 * }
 * }</pre>
 */
public final class RedisCluster implements AutoCloseable {

    /** Hash slots of a Redis Cluster. */
    public static final int SLOTS = 16384;

    private static final Logger log = LoggerFactory.getLogger(RedisCluster.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);

    private final List<RedisServer> nodes;
    private final int masters;
    private final Duration nodeTimeout;

    private RedisCluster(List<RedisServer> nodes, int masters, Duration nodeTimeout) {
        this.nodes = List.copyOf(nodes);
        this.masters = masters;
        this.nodeTimeout = nodeTimeout;
    }

    /** 3 masters with one replica each, {@code cluster-node-timeout} 1 s (a killed master is replaced within seconds). */
    public static RedisCluster start() {
        return start(3, 1, Duration.ofSeconds(1));
    }

    /**
     * @param masters           masters, each with an equal share of the slots (at least 1)
     * @param replicasPerMaster replicas of each master (0 for none: then a killed master's slots stay down)
     * @param nodeTimeout       {@code cluster-node-timeout}: how long a node may not answer before it is
     *                          failed and its replica promoted
     */
    public static RedisCluster start(int masters, int replicasPerMaster, Duration nodeTimeout) {
        if (masters < 1 || replicasPerMaster < 0) {
            throw new IllegalArgumentException("need at least 1 master and no negative replica count, was "
                    + masters + " masters, " + replicasPerMaster + " replicas per master");
        }
        if (nodeTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("nodeTimeout must be at least 100ms, was " + nodeTimeout);
        }
        RedisServerOptions options = RedisServerOptions.builder().extraArgs(List.of(
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", String.valueOf(nodeTimeout.toMillis()),
                // a replica takes over however long it was cut off: tests kill and restart freely
                "--cluster-replica-validity-factor", "0")).build();
        List<RedisServer> started = new ArrayList<>();
        try {
            int total = masters * (1 + replicasPerMaster);
            for (int i = 0; i < total; i++) {
                started.add(RedisServer.startLocal(options));
            }
            RedisCluster cluster = new RedisCluster(started, masters, nodeTimeout);
            cluster.form(replicasPerMaster);
            log.info("Started a Redis Cluster of {} masters and {} replicas on ports {}", masters,
                    masters * replicasPerMaster, started.stream().map(RedisServer::port).toList());
            return cluster;
        } catch (RuntimeException e) {
            started.forEach(RedisServer::close);
            throw e;
        }
    }

    /** Slots, MEET, REPLICATE, then waits until every node agrees the cluster is ok and replicas are in sync. */
    private void form(int replicasPerMaster) {
        for (int m = 0; m < masters; m++) {
            int from = (int) ((long) SLOTS * m / masters);
            int to = (int) ((long) SLOTS * (m + 1) / masters) - 1;
            command(nodes.get(m), "CLUSTER", "ADDSLOTSRANGE", String.valueOf(from), String.valueOf(to));
        }
        RedisServer first = nodes.getFirst();
        for (RedisServer node : nodes.subList(1, nodes.size())) {
            command(node, "CLUSTER", "MEET", first.host(), String.valueOf(first.port()));
        }
        await("every node to know all " + nodes.size() + " nodes",
                () -> nodes.stream().allMatch(n -> clusterNodes(n).size() == nodes.size()));
        for (int r = masters; r < nodes.size(); r++) {
            RedisServer master = nodes.get((r - masters) % masters);
            command(nodes.get(r), "CLUSTER", "REPLICATE", nodeId(master));
        }
        awaitHealthy();
    }

    /** Every node of the cluster, masters first (as started; roles change with failovers). */
    public List<RedisServer> nodes() {
        return nodes;
    }

    /** {@code redis://127.0.0.1:<port>} of every node: seeds for a {@code RedisClusterClient}. */
    public List<String> uris() {
        return nodes.stream().map(RedisServer::uri).toList();
    }

    /** The {@code cluster-node-timeout} the nodes run with. */
    public Duration nodeTimeout() {
        return nodeTimeout;
    }

    /** The hash slot of {@code key} ({@code CLUSTER KEYSLOT}, asked of a running node). */
    public int slotOf(String key) {
        return Integer.parseInt(command(anyRunning(), "CLUSTER", "KEYSLOT", key).text());
    }

    /** The master serving {@code key}'s slot now, as a running node sees it. */
    public RedisServer masterFor(String key) {
        int slot = slotOf(key);
        for (Node node : clusterNodes(anyRunning())) {
            if (node.master() && !node.failed() && node.serves(slot)) {
                return byPort(node.port()).orElseThrow();
            }
        }
        throw new IllegalStateException("no master serves slot " + slot + " (of '" + key + "') now");
    }

    /** The masters now (running, not failed), as a running node sees them. */
    public List<RedisServer> masters() {
        return clusterNodes(anyRunning()).stream().filter(n -> n.master() && !n.failed() && !n.slots().isEmpty())
                .map(n -> byPort(n.port()).orElseThrow()).toList();
    }

    /** The replicas of {@code master} now, as a running node sees them. */
    public List<RedisServer> replicasOf(RedisServer master) {
        String id = nodeId(master);
        return clusterNodes(anyRunning()).stream().filter(n -> id.equals(n.masterId()))
                .map(n -> byPort(n.port()).orElseThrow()).toList();
    }

    /**
     * Waits until every running node says {@code cluster_state:ok}, sees every slot served by a master
     * that is up, and every running replica has its link to its master up: after a start, a kill (the
     * replica is promoted) or a restart (the node rejoins and syncs).
     */
    public void awaitHealthy() {
        await("the cluster to be ok on every running node, with every slot on a live master and replicas in sync",
                this::healthy);
    }

    private boolean healthy() {
        List<RedisServer> running = nodes.stream().filter(RedisServer::isRunning).toList();
        for (RedisServer node : running) {
            try {
                String info = Resp.call(node.host(), node.port(), PROBE_TIMEOUT, "CLUSTER", "INFO").text();
                if (!"ok".equals(Resp.infoField(info, "cluster_state"))) {
                    return false;
                }
                List<Node> view = parseNodes(Resp.call(node.host(), node.port(), PROBE_TIMEOUT, "CLUSTER", "NODES").text());
                int served = 0;
                for (Node n : view) {
                    if (n.master() && !n.slots().isEmpty()) {
                        if (n.failed() || byPort(n.port()).map(s -> !s.isRunning()).orElse(true)) {
                            return false;
                        }
                        served += n.slotCount();
                    }
                }
                if (served != SLOTS) {
                    return false;
                }
                Node self = view.stream().filter(Node::myself).findFirst().orElseThrow();
                if (!self.master()) {
                    String replication = Resp.call(node.host(), node.port(), PROBE_TIMEOUT, "INFO", "replication").text();
                    if (!"up".equals(Resp.infoField(replication, "master_link_status"))) {
                        return false;
                    }
                }
            } catch (IOException | RuntimeException notYet) {
                return false;
            }
        }
        return !running.isEmpty();
    }

    /** Closes every node and deletes their dirs. */
    @Override
    public void close() {
        for (RedisServer node : nodes) {
            try {
                node.close();
            } catch (RuntimeException e) {
                log.warn("could not close {}", node, e);
            }
        }
    }

    @Override
    public String toString() {
        return "RedisCluster[" + nodes.stream().map(n -> n.port() + (n.isRunning() ? "" : " (down)")).toList() + "]";
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /** One line of {@code CLUSTER NODES}. */
    record Node(String id, int port, List<String> flags, String masterId, List<int[]> slots) {
        boolean master() {
            return flags.contains("master");
        }

        boolean myself() {
            return flags.contains("myself");
        }

        boolean failed() {
            return flags.contains("fail") || flags.contains("fail?") || flags.contains("noaddr");
        }

        boolean serves(int slot) {
            return slots.stream().anyMatch(r -> r[0] <= slot && slot <= r[1]);
        }

        int slotCount() {
            return slots.stream().mapToInt(r -> r[1] - r[0] + 1).sum();
        }
    }

    /** Parses {@code CLUSTER NODES}: {@code <id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot>...}. */
    static List<Node> parseNodes(String text) {
        List<Node> parsed = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split(" ");
            String address = f[1];
            int at = address.indexOf('@');
            String hostPort = at < 0 ? address : address.substring(0, at);
            int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
            List<int[]> slots = new ArrayList<>();
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) {
                    continue; // a slot being migrated or imported
                }
                int dash = f[i].indexOf('-');
                int from = Integer.parseInt(dash < 0 ? f[i] : f[i].substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(f[i].substring(dash + 1));
                slots.add(new int[] { from, to });
            }
            parsed.add(new Node(f[0], port, List.of(f[2].split(",")), "-".equals(f[3]) ? null : f[3],
                    Collections.unmodifiableList(slots)));
        }
        return parsed;
    }

    private List<Node> clusterNodes(RedisServer node) {
        return parseNodes(command(node, "CLUSTER", "NODES").text());
    }

    private String nodeId(RedisServer node) {
        return command(node, "CLUSTER", "MYID").text();
    }

    private Optional<RedisServer> byPort(int port) {
        return nodes.stream().filter(n -> n.port() == port).findFirst();
    }

    private RedisServer anyRunning() {
        return nodes.stream().filter(RedisServer::isRunning).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node of " + this + " is running"));
    }

    private static Resp.Reply command(RedisServer node, String... command) {
        try {
            Resp.Reply reply = Resp.call(node.host(), node.port(), PROBE_TIMEOUT, command);
            if (reply.isError()) {
                throw new IllegalStateException(String.join(" ", command) + " failed on port " + node.port() + ": "
                        + reply.text());
            }
            return reply;
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach the cluster node on port " + node.port(), e);
        }
    }

    private void await(String what, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(FORM_TIMEOUT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("timed out after " + FORM_TIMEOUT + " waiting for " + what + ": " + this);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }
}
