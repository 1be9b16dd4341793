package io.rill.internal.checkpoint;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.rill.SubscriptionOptions;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.connect.Failure;
import io.rill.internal.connect.SlotKeys;

/**
 * The consumer identity held in Redis (semantics 5): one key per stream a subscription reads,
 * {@code {<stream>}:rill:consumer:<group>:<consumer>} (in the stream's hash slot, like the failure records),
 * holding {@code <token> <pid>@<host> since <time>}. Where {@link IdentityLock} keeps two processes
 * sharing one checkpoint directory apart, this keeps apart any two processes using one consumer name
 * against one Redis, on any host.
 *
 * <ul>
 *   <li>{@link #claim()} runs on the read thread before reading, on start and after every reconnect: it
 *       takes the key (or renews it, when it is this subscription's already), with a TTL of
 *       {@code reclaim.min-idle}. A key another live holder has fails the subscription, naming both.
 *       A key left by a process that is provably gone (of this host, and its PID no longer runs or now
 *       belongs to a newer process: it was killed) is taken over at once. A holder on another host
 *       can't be checked from here: the claim waits (the subscription RECOVERING) until the key lapses,
 *       and fails once the holder has renewed it, which only a live process does.</li>
 *   <li>A heartbeat on the shared timer renews the key every {@code reclaim.lease-renewal-interval},
 *       under half the TTL, so a live holder keeps it, and one that was killed frees it within
 *       {@code reclaim.min-idle}: the same time after which its pending entries may be reclaimed. When
 *       the heartbeat (or the claim after a reconnect) finds the key held by another process (this one
 *       stalled past the TTL, a long GC pause or a partition, and another took the identity), the
 *       subscription fails: two processes must not go on sharing one pending list. A key that merely
 *       lapsed is taken again, with a WARN.</li>
 *   <li>{@link #release} deletes the key on stop, only while it still holds this subscription's value.</li>
 * </ul>
 * The scripts run asynchronously on the command connection, never on the timer thread's time.
 */
public final class IdentityKey {

    private static final Logger log = LoggerFactory.getLogger(IdentityKey.class);

    /**
     * KEYS[1] the identity key; ARGV[1] this holder's value, ARGV[2] the TTL in ms, ARGV[3] the value of a
     * holder known to be gone, to replace ('' none). Returns {1} taken (the key was free), {2} renewed
     * (it was ours), {3, old} taken over from the gone holder, {0, holder, pttl} held by another.
     */
    private static final String CLAIM = """
            local v = redis.call('GET', KEYS[1])
            if v == false or v == ARGV[1] or (ARGV[3] ~= '' and v == ARGV[3]) then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
              if v == false then return {1} end
              if v == ARGV[1] then return {2} end
              return {3, v}
            end
            return {0, v, redis.call('PTTL', KEYS[1])}
            """;

    /** KEYS[1] the identity key; ARGV[1] this holder's value. Deletes the key only while it is ours. */
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    /** How long a claim on the read thread waits for Redis's answer before it counts as a connection problem. */
    private static final Duration CLAIM_TIMEOUT = Duration.ofSeconds(10);
    /** The least a release waits for its answer, even past the stop's deadline. */
    private static final long MIN_RELEASE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /** Tokens of the identities this process holds, so that a claim tells a live holder here from a gone one. */
    private static final Set<String> HELD = ConcurrentHashMap.newKeySet();

    private final String group;
    private final String consumer;
    /** Stream to key, in the order of the options. */
    private final Map<String, String> keys = new LinkedHashMap<>();
    private final String token = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    private final String value;
    private final String self;
    private final long ttlMillis;
    private final long intervalNanos;
    private final CommandConnection connection;
    private final ScheduledExecutorService timer;
    private final String description;
    private final Consumer<RuntimeException> fatal;
    private final AtomicBoolean outstanding = new AtomicBoolean();
    /** Keys claimed at least once, whose heartbeat may run. */
    private final Set<String> claimed = ConcurrentHashMap.newKeySet();
    /** Per key: a holder on another host seen at a claim, and by when its key lapses unless renewed. */
    private final Map<String, Watch> watching = new ConcurrentHashMap<>();
    private volatile ScheduledFuture<?> ticker;
    private volatile boolean failing;
    private volatile boolean released;

    private record Watch(String holder, long lapsesAtNanos) {
    }

    /**
     * @param fatal told when the identity is another process's: the subscription fails with it
     */
    public IdentityKey(SubscriptionOptions options, CommandConnection connection, ScheduledExecutorService timer,
            String description, Consumer<RuntimeException> fatal) {
        this.group = options.group();
        this.consumer = options.consumer();
        for (String stream : options.streams()) {
            keys.put(stream, key(stream, group, consumer));
        }
        this.self = ProcessHandle.current().pid() + "@" + IdentityLock.hostName();
        this.value = token + " " + self + " since " + Instant.now();
        this.ttlMillis = Math.max(1, options.reclaim().minIdle().toMillis());
        this.intervalNanos = options.reclaim().leaseRenewalInterval().toNanos();
        this.connection = connection;
        this.timer = timer;
        this.description = description;
        this.fatal = fatal;
        HELD.add(token);
    }

    /** The identity key of a consumer on one stream, in the stream's hash slot. */
    public static String key(String stream, String group, String consumer) {
        return SlotKeys.prefix(stream) + ":rill:consumer:" + group + ":" + consumer;
    }

    /** Starts the heartbeat. */
    public void start() {
        ticker = timer.scheduleWithFixedDelay(this::heartbeatQuietly, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Takes or renews the identity on every stream, on the read thread before reading.
     *
     * @throws IllegalStateException when another live process holds it (the subscription is failed with
     *                               it), or, as a {@link RedisException}, while a holder on another host is
     *                               given the time to lapse (the subscription recovers and tries again)
     */
    public void claim() throws InterruptedException {
        for (Map.Entry<String, String> e : keys.entrySet()) {
            claim(e.getKey(), e.getValue());
        }
    }

    private void claim(String stream, String key) throws InterruptedException {
        List<Object> reply = await(eval(key, ""));
        long status = (Long) reply.get(0);
        if (status == 0) {
            String holder = String.valueOf(reply.get(1));
            long pttl = reply.size() > 2 && reply.get(2) instanceof Long l ? l : ttlMillis;
            if (gone(holder)) {
                reply = await(eval(key, holder));
                status = (Long) reply.get(0);
                if (status == 3) {
                    log.warn("Consumer '{}' of group '{}' on stream '{}' was held by {}, a process of this host that is "
                            + "gone; taken over by {} (key {})", consumer, group, stream, describe(holder), self, key);
                }
            }
            if (status == 0) {
                if (claimed.contains(key)) {
                    // held here before this reconnect: another process took it meanwhile
                    IllegalStateException taken = taken(stream, key, String.valueOf(reply.get(1)));
                    fatal.accept(taken);
                    throw taken;
                }
                refuseOrWait(stream, key, String.valueOf(reply.get(1)), pttl);
                return;
            }
        }
        watching.remove(key);
        if (claimed.add(key)) {
            log.info("Consumer '{}' of group '{}' on stream '{}' held by {} (key {}, renewed every {} ms, lapses {} ms "
                    + "after the last renewal)", consumer, group, stream, self, key,
                    TimeUnit.NANOSECONDS.toMillis(intervalNanos), ttlMillis);
        } else if (status == 1) {
            lapsed(stream, key);
        }
    }

    private void lapsed(String stream, String key) {
        log.warn("Consumer '{}' of group '{}' on stream '{}': the identity key {} was gone (no heartbeat reached Redis "
                + "for {} ms, or Redis lost it in a restart) and nobody held it; held again by {}", consumer, group, stream,
                key, ttlMillis, self);
    }

    /** Fails at once for a holder known to be alive; gives one on another host the time to lapse. */
    private void refuseOrWait(String stream, String key, String holder, long pttl) {
        String who = "consumer '" + consumer + "' of group '" + group + "' on stream '" + stream + "'";
        if (!sameHost(holder) && !HELD.contains(tokenOf(holder))) {
            Watch watch = watching.get(key);
            long now = System.nanoTime();
            if (watch == null || !watch.holder().equals(holder)) {
                // without renewals it is gone by then; a heartbeat interval of margin for the holder's clock
                watch = new Watch(holder, now + TimeUnit.MILLISECONDS.toNanos(Math.max(0, pttl)) + intervalNanos);
                watching.put(key, watch);
            }
            if (now < watch.lapsesAtNanos()) {
                throw new RedisException(who + " is held by " + describe(holder) + " on another host (key " + key
                        + "); this is " + self + ". Waiting up to "
                        + TimeUnit.NANOSECONDS.toSeconds(watch.lapsesAtNanos() - now + 999_999_999) + " s for that claim "
                        + "to lapse, in case that process is gone; if it is renewed, two processes use one consumer "
                        + "name and this subscription fails");
            }
            holder = holder + ", renewed while this process waited for it to lapse";
        }
        if (HELD.contains(tokenOf(holder))) {
            holder = holder + " (another subscription of this process)";
        }
        IllegalStateException refused = new IllegalStateException(who + " is in use by " + describe(holder) + " (key "
                + key + "); this is " + self + ". Two processes must not share one consumer identity: they would share "
                + "one pending list. Give each process its own consumer name (consumer, rill.consumers.<group>.consumer, "
                + "@RedisStreamListener(consumer)), or leave it unset with a checkpoint.directory per process");
        fatal.accept(refused);
        throw refused;
    }

    /** Stops the heartbeat and deletes the keys that still hold this subscription's value; waits until the deadline. */
    public void release(long deadlineNanos) {
        ScheduledFuture<?> t = ticker;
        if (t != null) {
            t.cancel(false);
        }
        released = true;
        try {
            if (claimed.isEmpty()) {
                return;
            }
            // never waits for a connect (Redis may not answer at a stop): without a connection the keys lapse
            RedisAsyncCommands<String, String> commands = connection.asyncIfConnected();
            if (commands == null) {
                log.debug("Consumer identity of {} not released (no connection to Redis); it lapses within {} ms",
                        description, ttlMillis);
                return;
            }
            CompletableFuture<?>[] replies = new CompletableFuture<?>[claimed.size()];
            int i = 0;
            for (String key : claimed) {
                replies[i++] = commands.<Long> eval(RELEASE, ScriptOutputType.INTEGER, new String[] { key }, value)
                        .toCompletableFuture();
            }
            long wait = Math.max(deadlineNanos - System.nanoTime(), MIN_RELEASE_WAIT_NANOS);
            CompletableFuture.allOf(replies).get(wait, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.debug("Consumer identity of {} not released ({}); it lapses within {} ms", description, e.toString(), ttlMillis);
        } finally {
            HELD.remove(token);
        }
    }

    // ---- heartbeat -------------------------------------------------------------------------------

    private void heartbeatQuietly() {
        try {
            heartbeat();
        } catch (RuntimeException e) {
            trouble(e);
        }
    }

    private void heartbeat() {
        if (released || claimed.isEmpty() || !outstanding.compareAndSet(false, true)) {
            return; // nothing claimed yet (the read thread claims first), or the last heartbeat is still on its way
        }
        List<CompletableFuture<?>> replies = new ArrayList<>(keys.size());
        try {
            for (Map.Entry<String, String> e : keys.entrySet()) {
                String stream = e.getKey();
                String key = e.getValue();
                if (!claimed.contains(key)) {
                    continue; // the read thread's claim decides about it
                }
                replies.add(eval(key, "").whenComplete((reply, error) -> {
                    if (error != null) {
                        trouble(error);
                    } else {
                        renewed(stream, key, reply);
                    }
                }));
            }
        } finally {
            CompletableFuture.allOf(replies.toArray(new CompletableFuture<?>[0])).whenComplete((ok, error) -> outstanding.set(false));
        }
    }

    private void renewed(String stream, String key, List<Object> reply) {
        if (released) {
            return;
        }
        long status = (Long) reply.get(0);
        if (failing) {
            failing = false;
            log.info("Consumer identity heartbeat working again for {}", description);
        }
        if (status == 1) {
            lapsed(stream, key);
        } else if (status == 0) {
            fatal.accept(taken(stream, key, String.valueOf(reply.get(1))));
        }
    }

    private IllegalStateException taken(String stream, String key, String holder) {
        return new IllegalStateException("consumer '" + consumer + "' of group '" + group + "' on stream '" + stream
                + "' was taken by " + describe(holder) + " (key " + key + ") while this process (" + self + ") used it: "
                + "no heartbeat of this process reached Redis for " + ttlMillis + " ms (reclaim.min-idle; a long pause "
                + "or a partition?) and another process claimed the name. Two processes must not share one consumer "
                + "identity: this subscription stops; give each process its own consumer name");
    }

    private void trouble(Throwable error) {
        if (Failure.of(error) == Failure.FATAL) {
            fatal.accept(new IllegalStateException("Redis refuses the consumer identity script for " + description + " ("
                    + Failure.unwrap(error).getMessage() + "): give the user the permissions docs/operations.md lists",
                    Failure.unwrap(error)));
        }
        if (!failing) {
            failing = true;
            log.warn("Consumer identity heartbeat failed for {}; retrying every interval (the identity lapses if this "
                    + "lasts longer than reclaim.min-idle): {}", description, error.toString());
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private CompletableFuture<List<Object>> eval(String key, String goneHolder) {
        // ready(), not async(): the heartbeat runs on the shared timer, which must never wait for a connect
        // a READONLY reply (the address leads to a replica after a failover) recycles the command connection
        return connection.ready().thenCompose(commands -> commands.<List<Object>> eval(CLAIM, ScriptOutputType.MULTI,
                new String[] { key }, value, Long.toString(ttlMillis), goneHolder).toCompletableFuture()
                .whenComplete((reply, error) -> {
                    if (error != null) {
                        connection.failed(commands, error);
                    }
                }));
    }

    /** Waits for a claim's answer; Redis's errors come out as they are, so the supervisor can classify them. */
    private static List<Object> await(CompletableFuture<List<Object>> reply) throws InterruptedException {
        try {
            return reply.get(CLAIM_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException r ? r : new RedisException(cause);
        } catch (TimeoutException e) {
            reply.cancel(false);
            throw new RedisCommandTimeoutException("no answer to the consumer identity claim within " + CLAIM_TIMEOUT);
        }
    }

    /** {@code 4711@host-a since 2026-11-30T10:00:00Z}: the holder without its token. */
    private static String describe(String holder) {
        int space = holder.indexOf(' ');
        return space < 0 ? holder : holder.substring(space + 1);
    }

    private static String tokenOf(String holder) {
        int space = holder.indexOf(' ');
        return space < 0 ? holder : holder.substring(0, space);
    }

    private boolean sameHost(String holder) {
        return parse(holder).map(h -> h.host().equals(IdentityLock.hostName())).orElse(false);
    }

    private record Holder(String token, long pid, String host, Instant since) {
    }

    /** {@code <token> <pid>@<host> since <instant>}; empty for anything else (not a value Rill wrote). */
    private static Optional<Holder> parse(String holder) {
        String[] parts = holder.split(" ");
        if (parts.length != 4 || !parts[2].equals("since")) {
            return Optional.empty();
        }
        int at = parts[1].indexOf('@');
        if (at <= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Holder(parts[0], Long.parseLong(parts[1].substring(0, at)), parts[1].substring(at + 1),
                    Instant.parse(parts[3])));
        } catch (NumberFormatException | DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /**
     * True when the holder is provably gone: a process of this host that no longer runs, or whose PID
     * a process started after the claim now has, or this very process when no subscription here holds
     * the token (a release that never reached Redis). Holders elsewhere can't be checked from here.
     */
    static boolean gone(String holder) {
        Optional<Holder> parsed = parse(holder);
        if (parsed.isEmpty() || HELD.contains(parsed.get().token())) {
            return false;
        }
        Holder h = parsed.get();
        if (!h.host().equals(IdentityLock.hostName())) {
            return false;
        }
        if (h.pid() == ProcessHandle.current().pid()) {
            return true;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(h.pid());
        if (process.isEmpty() || !process.get().isAlive()) {
            return true;
        }
        Optional<Instant> started = process.get().info().startInstant();
        return started.isPresent() && started.get().isAfter(h.since());
    }
}
