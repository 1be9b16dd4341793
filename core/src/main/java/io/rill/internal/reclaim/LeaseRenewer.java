package io.rill.internal.reclaim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.rill.SubscriptionOptions;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.connect.Failure;
import io.rill.internal.metrics.Meters;
import io.rill.internal.window.InFlightWindow;

/**
 * Keeps the entries this consumer holds from looking idle to other consumers' reclaim (semantics 6).
 * The PEL's idle clock starts when Redis delivers an entry, not when its handler starts, so an entry
 * queued behind slow ones, being retried, or in a slow handler would otherwise be claimed and handled
 * twice. Every {@code reclaim.lease-renewal-interval} the entries held at least that long (queued,
 * handled, or waiting for their ack) get their idle time reset with XCLAIM ... JUSTID to this consumer,
 * which leaves the delivery count alone. Since renewal never lets an entry's lease age reach two
 * intervals, and the interval is under half of {@code claim-min-idle}, a live consumer keeps its work.
 * Renewal is bounded: an entry held longer than {@code reclaim.max-lease} since it was read or claimed is
 * not renewed any more (one WARN per pass and stream, {@code rill.leases.dropped}), so that a handler that
 * hangs, or a manual ack that never comes, does not keep it from the group forever.
 *
 * <p>The renewal is a script that claims only entries still pending for this consumer: an entry another
 * consumer took meanwhile (after a stall longer than min-idle) is left to it, counted as a lost lease
 * and logged, never taken back. Runs on the shared timer; its commands go out asynchronously on the
 * command connection, at most one renewal in flight per subscription, in chunks of {@value #CHUNK} IDs.
 */
public final class LeaseRenewer {

    private static final Logger log = LoggerFactory.getLogger(LeaseRenewer.class);
    private static final int CHUNK = 1000;

    /** KEYS[1] stream; ARGV[1] group, ARGV[2] consumer, ARGV[3..] IDs. Returns {renewed IDs, IDs owned by others}. */
    private static final String RENEW = """
            local renew, lost = {}, {}
            local claim = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0}
            for i = 3, #ARGV do
              local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
              if #p > 0 then
                if p[1][2] == ARGV[2] then
                  renew[#renew + 1] = ARGV[i]
                  claim[#claim + 1] = ARGV[i]
                else
                  lost[#lost + 1] = ARGV[i]
                end
              end
            end
            if #renew > 0 then
              claim[#claim + 1] = 'JUSTID'
              redis.call(unpack(claim))
            end
            return {renew, lost}
            """;

    private final List<String> streams;
    private final String group;
    private final String consumer;
    private final long intervalNanos;
    private final Duration maxLease;
    private final long maxLeaseNanos;
    private final InFlightWindow window;
    private final CommandConnection connection;
    private final Meters metrics;
    private final String description;
    private final ScheduledExecutorService timer;
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile ScheduledFuture<?> ticker;
    private volatile boolean failing;
    private final Consumer<RuntimeException> fatal;

    /** @param fatal told of what retrying cannot fix (Redis refuses the script): the subscription fails with it */
    public LeaseRenewer(SubscriptionOptions options, InFlightWindow window, CommandConnection connection,
            Meters metrics, ScheduledExecutorService timer, String description, Consumer<RuntimeException> fatal) {
        this.fatal = fatal;
        this.streams = options.streams();
        this.group = options.group();
        this.consumer = options.consumer();
        this.intervalNanos = options.reclaim().leaseRenewalInterval().toNanos();
        this.maxLease = options.reclaim().maxLease();
        this.maxLeaseNanos = maxLease.toNanos();
        this.window = window;
        this.connection = connection;
        this.metrics = metrics;
        this.timer = timer;
        this.description = description;
    }

    public void start() {
        ticker = timer.scheduleWithFixedDelay(this::renewQuietly, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /** Stops renewing; entries still held age from here on. */
    public void stop() {
        ScheduledFuture<?> t = ticker;
        if (t != null) {
            t.cancel(false);
        }
    }

    private void renewQuietly() {
        try {
            renew();
        } catch (RuntimeException e) {
            trouble(e, null);
        }
    }

    private void renew() {
        if (outstanding.get() > 0) {
            return; // the last renewal is still on its way: Redis is slow or away, don't pile up
        }
        long now = System.nanoTime();
        for (String stream : streams) {
            List<String> dropped = new ArrayList<>(0);
            List<String> held = window.heldSince(stream, now - intervalNanos, now - maxLeaseNanos, dropped);
            if (!dropped.isEmpty()) {
                metrics.stream(stream).leasesDropped(dropped.size());
                log.warn("{} entries held by {} on stream {} for longer than reclaim.max-lease ({}) are no longer renewed: "
                        + "another consumer may claim them after reclaim.min-idle (a hung handler, or an ack that never "
                        + "came?): {}", dropped.size(), description, stream, maxLease,
                        dropped.size() > 10 ? dropped.subList(0, 10) + "..." : dropped);
            }
            for (int from = 0; from < held.size(); from += CHUNK) {
                send(stream, held.subList(from, Math.min(held.size(), from + CHUNK)), now);
            }
        }
    }

    private void send(String stream, List<String> ids, long sentAt) {
        String[] args = new String[ids.size() + 2];
        args[0] = group;
        args[1] = consumer;
        for (int i = 0; i < ids.size(); i++) {
            args[i + 2] = ids.get(i);
        }
        outstanding.incrementAndGet();
        // never waits for a connect on the shared timer thread: the renewal goes out once connected
        connection.ready().whenComplete((commands, notConnected) -> {
            if (notConnected != null) {
                outstanding.decrementAndGet();
                trouble(notConnected, null);
                return;
            }
            RedisFuture<List<Object>> reply;
            try {
                reply = commands.eval(RENEW, ScriptOutputType.MULTI, new String[] { stream }, args);
            } catch (RuntimeException e) {
                outstanding.decrementAndGet();
                trouble(e, commands);
                return;
            }
            reply.whenComplete((result, error) -> renewed(stream, sentAt, result, error, commands));
        });
    }

    private void renewed(String stream, long sentAt, List<Object> result, Throwable error,
            RedisAsyncCommands<String, String> used) {
        outstanding.decrementAndGet();
        if (error != null) {
            trouble(error, used);
            return;
        }
        List<String> renewed = strings(result.get(0));
        List<String> lost = strings(result.get(1));
        window.renewed(stream, renewed, sentAt);
        metrics.stream(stream).leasesRenewed(renewed.size());
        if (failing) {
            failing = false;
            log.info("Lease renewal working again for {}", description);
        }
        if (!lost.isEmpty()) {
            lost.removeIf(id -> !window.contains(stream, id));
            if (!lost.isEmpty()) {
                metrics.stream(stream).leasesLost(lost.size());
                log.warn("{} entries held by {} on stream {} were claimed by another consumer while still being handled "
                        + "here (a stall longer than reclaim.min-idle?); they may be handled twice: {}", lost.size(),
                        description, stream, lost.size() > 10 ? lost.subList(0, 10) + "..." : lost);
            }
        }
    }

    private static List<String> strings(Object list) {
        List<String> ids = new ArrayList<>();
        if (list instanceof List<?> l) {
            for (Object o : l) {
                ids.add(String.valueOf(o));
            }
        }
        return ids;
    }

    private void trouble(Throwable error, RedisAsyncCommands<String, String> used) {
        connection.failed(used, error); // READONLY: the next renewal goes out on a new connection
        if (Failure.of(error) == Failure.FATAL) {
            fatal.accept(new IllegalStateException("Redis refuses the lease renewal script for " + description + " ("
                    + Failure.unwrap(error).getMessage() + "): entries held here would be taken by others; give the "
                    + "user the permissions docs/operations.md lists", Failure.unwrap(error)));
        }
        if (!failing) {
            failing = true;
            log.warn("Lease renewal failed for {}; retrying every interval (entries held here may be reclaimed by "
                    + "others if this lasts longer than reclaim.min-idle): {}", description, error.toString());
        }
    }
}
