package io.rill.internal.output;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.connect.Failure;

/**
 * Checks the slot rule of semantics 12 once per subscription, against the server: on a cluster node
 * ({@code cluster_enabled:1}) the inputs and the declared outputs must share a hash slot. Run at subscribe
 * when Redis answers then, else before the first read (a subscription may start without Redis, ADR 0016).
 */
public final class OutputCheck {

    private static final Logger log = LoggerFactory.getLogger(OutputCheck.class);

    private final List<String> inputs;
    private final Set<String> outputs;
    private final String description;
    private volatile ServerFacts facts;

    public OutputCheck(List<String> inputs, Set<String> outputs, String description) {
        this.inputs = List.copyOf(inputs);
        this.outputs = Set.copyOf(outputs);
        this.description = description;
    }

    /** What the probe found; null before it ran. */
    public ServerFacts facts() {
        return facts;
    }

    /**
     * At subscribe: probes when the command connection is there within {@code wait}.
     *
     * @throws IllegalArgumentException when the rule is broken
     */
    public void atSubscribe(CommandConnection connection, Duration wait) {
        try {
            RedisAsyncCommands<String, String> commands = connection.ready().get(wait.toNanos(), TimeUnit.NANOSECONDS);
            apply(probe(commands, wait));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RedisConnectionException e) {
            if (Failure.of(e) == Failure.FATAL) {
                throw refused(e);
            }
            log.info("Redis did not answer the server probe for {} ({}); the hash-slot rule of its outputs is checked "
                    + "before the first read", description, Failure.unwrap(e).toString());
        }
    }

    /**
     * Before a read, until it ran once: probes, and reports a broken rule to {@code fatal}; throws what the
     * probe threw (the read loop backs off and comes here again).
     */
    public void beforeRead(CommandConnection connection, Duration wait, Consumer<RuntimeException> fatal) {
        if (facts != null) {
            return;
        }
        ServerFacts probed;
        try {
            probed = probe(connection.async(), wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisConnectionException("interrupted while probing the server", e);
        } catch (ExecutionException | TimeoutException e) {
            if (Failure.of(e) == Failure.FATAL) {
                fatal.accept(refused(e)); // retrying can't help: the subscription fails with the fix
                return;
            }
            throw new RedisConnectionException("server probe failed: " + Failure.unwrap(e), Failure.unwrap(e));
        }
        try {
            apply(probed);
        } catch (IllegalArgumentException e) {
            fatal.accept(e);
        }
    }

    private IllegalStateException refused(Throwable e) {
        Throwable cause = Failure.unwrap(e);
        return new IllegalStateException("Redis refuses the INFO probe of transactional outputs for " + description + " ("
                + cause.getMessage() + "): Rill needs it to know whether the hash-slot rule applies; give the user +info "
                + "(docs/operations.md lists the permissions)", cause);
    }

    private void apply(ServerFacts probed) {
        if (probed.cluster()) {
            String violation = SlotRule.violation(inputs, outputs);
            if (violation != null) {
                throw new IllegalArgumentException(violation);
            }
        }
        facts = probed;
        log.debug("Output commits of {} on Redis {} (cluster: {}, idempotent XADD: {})", description, probed.version(),
                probed.cluster(), probed.idempotentAdd());
    }

    private static ServerFacts probe(RedisAsyncCommands<String, String> commands, Duration wait)
            throws InterruptedException, ExecutionException, TimeoutException {
        var server = commands.info("server");
        var cluster = commands.info("cluster");
        long nanos = wait.toNanos();
        return ServerFacts.parse(server.get(nanos, TimeUnit.NANOSECONDS), cluster.get(nanos, TimeUnit.NANOSECONDS));
    }
}
