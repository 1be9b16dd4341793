package io.rill.testing;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local Sentinel setup on free ports: a master, its replicas, and Sentinels watching the master as
 * {@value #MASTER_NAME}. Every process is a {@link RedisServer} to {@link RedisServer#kill()} (SIGKILL) and
 * {@link RedisServer#restart()}. Kill the {@link #master()} and the Sentinels promote a replica after
 * {@code downAfter}; {@link #awaitFailover(RedisServer)} waits for that.
 *
 * <pre>{@code
 * try (RedisSentinel sentinel = RedisSentinel.start()) {
 *     RedisClient client = RedisClient.create(sentinel.uri());   // redis-sentinel://...#mymaster
 *     RedisServer old = sentinel.master();
 *     old.kill();
 *     sentinel.awaitFailover(old);
 * }
 * }</pre>
 */
public final class RedisSentinel implements AutoCloseable {

    /** The name the Sentinels know the master by. */
    public static final String MASTER_NAME = "mymaster";

    private static final Logger log = LoggerFactory.getLogger(RedisSentinel.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration WAIT_TIMEOUT = Duration.ofSeconds(30);

    private final List<RedisServer> dataNodes;
    private final List<RedisServer> sentinels;

    private RedisSentinel(List<RedisServer> dataNodes, List<RedisServer> sentinels) {
        this.dataNodes = List.copyOf(dataNodes);
        this.sentinels = List.copyOf(sentinels);
    }

    /** A master, one replica, one Sentinel (quorum 1), down-after 1 s. */
    public static RedisSentinel start() {
        return start(1, 1, Duration.ofSeconds(1));
    }

    /**
     * @param replicas  replicas of the master (at least 1, or there is nothing to fail over to)
     * @param sentinels Sentinels (1 to 5); the quorum is a majority of them
     * @param downAfter {@code down-after-milliseconds}: how long the master may not answer before it is
     *                  considered down and a replica promoted
     */
    public static RedisSentinel start(int replicas, int sentinels, Duration downAfter) {
        if (replicas < 1 || sentinels < 1 || sentinels > 5) {
            throw new IllegalArgumentException("need 1+ replicas and 1 to 5 sentinels, was " + replicas + " replicas, "
                    + sentinels + " sentinels");
        }
        if (downAfter.toMillis() < 100) {
            throw new IllegalArgumentException("downAfter must be at least 100ms, was " + downAfter);
        }
        List<RedisServer> data = new ArrayList<>();
        List<RedisServer> watchers = new ArrayList<>();
        try {
            RedisServer master = RedisServer.startLocal();
            data.add(master);
            for (int i = 0; i < replicas; i++) {
                data.add(RedisServer.startLocal(RedisServerOptions.builder()
                        .extraArgs(List.of("--replicaof", master.host(), String.valueOf(master.port()))).build()));
            }
            int quorum = sentinels / 2 + 1;
            List<String> config = List.of(
                    "sentinel monitor " + MASTER_NAME + " " + master.host() + " " + master.port() + " " + quorum,
                    "sentinel down-after-milliseconds " + MASTER_NAME + " " + downAfter.toMillis(),
                    // a failover that stalls is retried soon rather than after the default 3 minutes
                    "sentinel failover-timeout " + MASTER_NAME + " " + Math.max(2000, downAfter.toMillis() * 3),
                    "sentinel parallel-syncs " + MASTER_NAME + " 1");
            for (int i = 0; i < sentinels; i++) {
                watchers.add(RedisServer.ofLocal(LocalRedis.start(RedisServerOptions.defaults(), config)));
            }
            RedisSentinel setup = new RedisSentinel(data, watchers);
            setup.await("replicas in sync and every Sentinel to see them", setup::settled);
            log.info("Started a Sentinel setup: master {}, replicas {}, sentinels {}", master.port(),
                    data.subList(1, data.size()).stream().map(RedisServer::port).toList(),
                    watchers.stream().map(RedisServer::port).toList());
            return setup;
        } catch (RuntimeException e) {
            watchers.forEach(RedisServer::close);
            data.forEach(RedisServer::close);
            throw e;
        }
    }

    /**
     * {@code redis-sentinel://127.0.0.1:<port>,127.0.0.1:<port>#mymaster}: a client given this asks the
     * Sentinels where the master is, and asks again when it reconnects.
     */
    public String uri() {
        return "redis-sentinel://" + sentinels.stream().map(s -> s.host() + ":" + s.port()).collect(Collectors.joining(","))
                + "#" + MASTER_NAME;
    }

    /** The master and the replicas, master first as started (roles change with failovers). */
    public List<RedisServer> dataNodes() {
        return dataNodes;
    }

    /** The Sentinel processes. */
    public List<RedisServer> sentinels() {
        return sentinels;
    }

    /** The master a running Sentinel names now ({@code SENTINEL GET-MASTER-ADDR-BY-NAME}). */
    public RedisServer master() {
        for (RedisServer sentinel : sentinels) {
            if (!sentinel.isRunning()) {
                continue;
            }
            try {
                Resp.Reply reply = Resp.call(sentinel.host(), sentinel.port(), PROBE_TIMEOUT,
                        "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
                if (reply.elements() == null || reply.elements().size() != 2) {
                    continue;
                }
                int port = Integer.parseInt(reply.elements().get(1).text());
                return dataNodes.stream().filter(n -> n.port() == port).findFirst()
                        .orElseThrow(() -> new IllegalStateException("the Sentinel names port " + port + ", not one of ours"));
            } catch (IOException notReachable) {
                // ask the next one
            }
        }
        throw new IllegalStateException("no Sentinel of " + this + " answers");
    }

    /**
     * Waits until the Sentinels name a running master other than {@code former} that says
     * {@code role:master}, after {@code former} was killed.
     */
    public RedisServer awaitFailover(RedisServer former) {
        await("a replica to be promoted in place of port " + former.port(), () -> {
            try {
                RedisServer now = master();
                return now != former && now.isRunning() && "master".equals(role(now));
            } catch (RuntimeException notYet) {
                return false;
            }
        });
        RedisServer promoted = master();
        log.info("Sentinel failover done: port {} is the master now (was {})", promoted.port(), former.port());
        return promoted;
    }

    private boolean settled() {
        RedisServer master = dataNodes.getFirst();
        for (RedisServer replica : dataNodes.subList(1, dataNodes.size())) {
            if (!"up".equals(info(replica, "replication", "master_link_status"))) {
                return false;
            }
        }
        for (RedisServer sentinel : sentinels) {
            try {
                Resp.Reply reply = Resp.call(sentinel.host(), sentinel.port(), PROBE_TIMEOUT, "SENTINEL", "REPLICAS", MASTER_NAME);
                if (reply.isError() || reply.elements() == null || reply.elements().size() != dataNodes.size() - 1) {
                    return false;
                }
                if (sentinels.size() > 1) {
                    String others = String.valueOf(field(Resp.call(sentinel.host(), sentinel.port(), PROBE_TIMEOUT,
                            "SENTINEL", "MASTER", MASTER_NAME), "num-other-sentinels"));
                    if (!String.valueOf(sentinels.size() - 1).equals(others)) {
                        return false;
                    }
                }
            } catch (IOException notYet) {
                return false;
            }
        }
        return master.isRunning();
    }

    private static String role(RedisServer node) {
        return info(node, "replication", "role");
    }

    private static String info(RedisServer node, String section, String field) {
        try {
            String text = Resp.call(node.host(), node.port(), PROBE_TIMEOUT, "INFO", section).text();
            return text == null ? null : Resp.infoField(text, field);
        } catch (IOException e) {
            return null;
        }
    }

    /** A field of a flat name/value array reply, as {@code SENTINEL MASTER} gives. */
    private static String field(Resp.Reply reply, String name) {
        List<Resp.Reply> elements = reply.elements();
        for (int i = 0; elements != null && i + 1 < elements.size(); i += 2) {
            if (name.equals(elements.get(i).text())) {
                return elements.get(i + 1).text();
            }
        }
        return null;
    }

    /** Closes the Sentinels, then the data nodes, and deletes their dirs. */
    @Override
    public void close() {
        for (RedisServer server : sentinels) {
            server.close();
        }
        for (RedisServer server : dataNodes) {
            server.close();
        }
    }

    @Override
    public String toString() {
        return "RedisSentinel[data " + dataNodes.stream().map(RedisServer::port).toList() + ", sentinels "
                + sentinels.stream().map(RedisServer::port).toList() + "]";
    }

    private void await(String what, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(WAIT_TIMEOUT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("timed out after " + WAIT_TIMEOUT + " waiting for " + what + ": " + this);
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
