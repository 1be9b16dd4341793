package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.rill.JanitorOptions;
import io.rill.ReclaimOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/**
 * Semantics 5 (consumer identity) across processes: one consumer name is held by one process at a time,
 * through a key per stream in Redis, {@code {<stream>}:rill:consumer:<group>:<consumer>}, renewed by a
 * heartbeat. Two Rills with their own clients stand for two processes; a killed one is a Rill whose
 * client is gone (its key is never deleted) or a key planted with another holder.
 */
@WithRedis
class ConsumerIdentityTest {

    private final RedisServer server;
    private final RedisFixture redis;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    ConsumerIdentityTest(RedisServer server) {
        this.server = server;
        this.redis = new RedisFixture(server);
    }

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        redis.close();
    }

    /** A process of its own: a client and a Rill over it. */
    private Rill process() {
        RedisClient client = RedisClient.create(server.uri());
        toClose.add(() -> client.shutdown(0, 2, TimeUnit.SECONDS));
        Rill rill = Rill.create(client);
        toClose.add(() -> rill.close(Duration.ofSeconds(2)));
        return rill;
    }

    /** Renewed every 100 ms, lapsing 300 ms after the last renewal (reclaim.min-idle). */
    private static SubscriptionOptions options(String stream) {
        return SubscriptionOptions.builder().streams(stream).group("billing").consumer("c1")
                .startPosition(StartPosition.EARLIEST)
                .blockTimeout(Duration.ofMillis(100))
                .shutdownTimeout(Duration.ofSeconds(2))
                .reclaim(ReclaimOptions.builder().minIdle(Duration.ofMillis(300)).leaseRenewalInterval(Duration.ofMillis(100)).build())
                .janitor(JanitorOptions.builder().enabled(false).build())
                .build();
    }

    private static String message(Subscription s) {
        return String.valueOf(s.lastError().map(Throwable::getMessage).orElse(null));
    }

    /** The identity key of consumer c1 of group billing: in the stream's hash slot, like the failure records. */
    private static String key(String stream) {
        return "{" + stream + "}:rill:consumer:billing:c1";
    }

    /** {@code <pid>@<host>} of a holder value {@code <token> <pid>@<host> since <time>}. */
    private static String holder(String value) {
        return value.split(" ")[1];
    }

    @Test
    void aSecondProcessWithTheSameNameIsRefusedNamingBothAndANewOneGetsItOnceTheFirstCloses() {
        String stream = RedisFixture.unique("orders");
        String key = key(stream);
        redis.add(stream, 10);
        Set<String> first = ConcurrentHashMap.newKeySet();
        Rill one = process();
        Subscription a = one.subscribe(options(stream), e -> first.add(e.id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> first.size() == 10 && redis.commands().get(key) != null);
        String held = redis.commands().get(key);
        String self = holder(held);

        Set<String> second = ConcurrentHashMap.newKeySet();
        Subscription b = process().subscribe(options(stream), e -> second.add(e.id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.state() == SubscriptionState.FAILED);
        String refused = message(b);
        assertTrue(refused.contains("consumer 'c1' of group 'billing' on stream '" + stream + "' is in use by " + self),
                refused);
        assertTrue(refused.contains("this is " + self) && refused.contains(key) && refused.contains("own consumer name"),
                refused);
        assertEquals(Set.of(), second, "the refused subscription read nothing");
        assertEquals(held, redis.commands().get(key), "the holder keeps its key");
        assertEquals(SubscriptionState.RUNNING, a.state());

        a.close();
        assertEquals(0, redis.commands().exists(key), "closing deletes the key");
        Set<String> third = ConcurrentHashMap.newKeySet();
        Subscription c = process().subscribe(options(stream), e -> third.add(e.id()));
        String next = redis.add(stream, "n", "11");
        await().atMost(Duration.ofSeconds(10)).until(() -> third.contains(next));
        assertEquals(SubscriptionState.RUNNING, c.state());
        assertTrue(!held.equals(redis.commands().get(key)), "the new subscription holds the key");
    }

    @Test
    void theKeyOfAKilledProcessLapsesAndANewProcessGetsTheName() {
        String stream = RedisFixture.unique("orders");
        String key = key(stream);
        RedisClient killed = RedisClient.create(server.uri());
        Rill victim = Rill.create(killed);
        toClose.add(() -> victim.close(Duration.ZERO));
        victim.subscribe(options(stream), e -> {
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.commands().get(key) != null);
        // "SIGKILL": its connections go away without a stop, so nothing deletes the key
        killed.shutdown(0, 0, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.commands().exists(key) == 0);

        Set<String> handled = ConcurrentHashMap.newKeySet();
        Subscription next = process().subscribe(options(stream), e -> handled.add(e.id()));
        String id = redis.add(stream, "n", "1");
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(id));
        assertEquals(SubscriptionState.RUNNING, next.state());
    }

    @Test
    void aKeyLeftByAProcessOfThisHostThatIsGoneIsTakenOverAtOnce() throws Exception {
        String stream = RedisFixture.unique("orders");
        String key = key(stream);
        String host = hostOfThisProcess(stream);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        // held for a minute by a process of this host that was killed: no need to wait for that minute
        redis.commands().set(key, "0123456789abcdef " + gone.pid() + "@" + host + " since " + Instant.now(),
                SetArgs.Builder.px(60_000));

        Set<String> handled = ConcurrentHashMap.newKeySet();
        Subscription s = process().subscribe(options(stream), e -> handled.add(e.id()));
        String id = redis.add(stream, "n", "1");
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(id));
        assertEquals(SubscriptionState.RUNNING, s.state());
        assertTrue(redis.commands().get(key).contains(ProcessHandle.current().pid() + "@" + host));
        assertEquals(1, RedisFixture.logLines("WARN", "was held by " + gone.pid() + "@" + host, "gone; taken over", key));
    }

    @Test
    void aHolderOnAnotherHostIsWaitedForUntilItsKeyLapses() {
        String stream = RedisFixture.unique("orders");
        String key = key(stream);
        redis.commands().set(key, "0123456789abcdef 4711@elsewhere since " + Instant.now(), SetArgs.Builder.px(1_500));

        Set<String> handled = ConcurrentHashMap.newKeySet();
        Subscription s = process().subscribe(options(stream), e -> handled.add(e.id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> s.state() == SubscriptionState.RECOVERING);
        assertTrue(message(s).contains("held by 4711@elsewhere") && message(s).contains("Waiting"), message(s));
        String id = redis.add(stream, "n", "1");
        await().atMost(Duration.ofSeconds(20)).until(() -> handled.contains(id));
        assertEquals(SubscriptionState.RUNNING, s.state());
    }

    @Test
    void aHolderOnAnotherHostThatRenewsItsKeyIsRefused() {
        String stream = RedisFixture.unique("orders");
        String key = key(stream);
        String value = "0123456789abcdef 4711@elsewhere since " + Instant.now();
        redis.commands().set(key, value, SetArgs.Builder.px(1_000));
        // the other process is alive: it renews its key
        RedisFixture other = new RedisFixture(server);
        toClose.add(other);
        ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor();
        toClose.add(heartbeat::shutdownNow);
        heartbeat.scheduleWithFixedDelay(() -> other.commands().set(key, value, SetArgs.Builder.px(1_000)), 200, 200,
                TimeUnit.MILLISECONDS);

        Set<String> handled = ConcurrentHashMap.newKeySet();
        redis.add(stream, 3);
        Subscription s = process().subscribe(options(stream), e -> handled.add(e.id()));
        await().atMost(Duration.ofSeconds(20)).until(() -> s.state() == SubscriptionState.FAILED);
        assertTrue(message(s).contains("is in use by 4711@elsewhere") && message(s).contains("renewed"), message(s));
        assertEquals(Set.of(), handled);
    }

    @Test
    void theHeartbeatFindingTheNameTakenByAnotherProcessFailsTheSubscription() {
        String stream = RedisFixture.unique("orders");
        String key = key(stream);
        Subscription s = process().subscribe(options(stream), e -> {
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> s.state() == SubscriptionState.RUNNING && redis.commands().get(key) != null);
        // as if this process had stalled past the TTL and another had claimed the name meanwhile
        redis.commands().set(key, "0123456789abcdef 4711@elsewhere since " + Instant.now(), SetArgs.Builder.px(60_000));
        await().atMost(Duration.ofSeconds(10)).until(() -> s.state() == SubscriptionState.FAILED);
        assertTrue(message(s).contains("was taken by 4711@elsewhere") && message(s).contains(key), message(s));
        assertEquals("0123456789abcdef 4711@elsewhere", redis.commands().get(key).substring(0, 31),
                "the stop leaves the other holder's key alone");
    }

    /** The host part this process writes into its keys, learnt from a claim of its own. */
    private String hostOfThisProcess(String stream) {
        String probe = stream + ":probe";
        Rill rill = process();
        Subscription s = rill.subscribe(options(probe), e -> {
        });
        String key = key(probe);
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.commands().get(key) != null);
        String self = holder(redis.commands().get(key));
        s.close();
        return self.substring(self.indexOf('@') + 1);
    }
}
