package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.rill.DeadLetterOptions;
import io.rill.JanitorOptions;
import io.rill.ReclaimOptions;
import io.rill.RetryOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.StreamEntry;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.deadletter.DeadLetter;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/**
 * Entries are binary-safe end to end: a handler gets each value's bytes exactly, whichever way the entry
 * arrives (new read, own pending read after a resume, semantics 3; claim, semantics 6), and the dead
 * letter holds the original bytes followed by Rill's fields, copied "byte for byte" (semantics 7) however
 * large or wide the entry is; a redrive puts the same bytes back. The test writes and reads Redis with
 * a byte-array codec of its own, so nothing here trusts Rill's decoding.
 */
@WithRedis
class BinaryEntriesTest {

    /** Not valid UTF-8: a string codec turns it into 08 EF BF BD 01 EF BF BD ... */
    private static final byte[] NOT_UTF8 = HexFormat.of().parseHex("089601fffe00c3");
    private static final int FAILURES = 3;

    private final RedisFixture redis;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final RedisCommands<String, byte[]> binary;
    private final Rill rill;

    BinaryEntriesTest(RedisServer server) {
        this.redis = new RedisFixture(server);
        this.connection = redis.client().connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        this.binary = connection.sync();
        this.rill = Rill.create(redis.client());
    }

    @AfterEach
    void stop() {
        rill.close(Duration.ofSeconds(5));
        connection.close();
        redis.close();
    }

    @Test
    void aValueThatIsNotUtf8ReachesTheHandlerTheDeadLetterAndTheRedriveByteForByte() {
        Map<String, byte[]> original = new LinkedHashMap<>();
        original.put("n", "1".getBytes(StandardCharsets.UTF_8));
        original.put("blob", NOT_UTF8);
        original.put("empty", new byte[0]);
        original.put("text", "grüße ✓".getBytes(StandardCharsets.UTF_8));
        roundTrip(original);
    }

    @Test
    void aTenMegabyteValueRoundTripsByteForByte() {
        byte[] large = new byte[10 * 1024 * 1024];
        new Random(7).nextBytes(large);
        Map<String, byte[]> original = new LinkedHashMap<>();
        original.put("kind", "image".getBytes(StandardCharsets.UTF_8));
        original.put("data", large);
        roundTrip(original);
    }

    /**
     * Before the dead-letter scripts grew their XADD past Lua's unpack limit (8,000 values at once), an
     * entry of more than 3,998 fields could never be moved, and came back every min-idle forever.
     */
    @Test
    void anEntryOfFiveThousandFieldsRoundTripsByteForByte() {
        Random random = new Random(11);
        Map<String, byte[]> original = new LinkedHashMap<>();
        for (int i = 0; i < 5000; i++) {
            byte[] value = new byte[2 + random.nextInt(12)];
            random.nextBytes(value);
            value[0] = (byte) 0xff; // never valid UTF-8
            original.put(String.format("f%04d", i), value);
        }
        roundTrip(original);
    }

    /** One arrival of the entry at the handler. */
    private record Arrival(String id, long deliveryCount, Map<String, byte[]> values) {
    }

    /**
     * Adds the entry; its handler fails on it three times, on a new read, on the own pending read after a
     * resume and on a claim, so it is dead-lettered; then redrives it and lets the handler take it.
     * Checks the bytes at every step.
     */
    private void roundTrip(Map<String, byte[]> original) {
        String stream = RedisFixture.unique("bin");
        String group = RedisFixture.unique("g");
        String dlq = stream + DeadLetterOptions.SUFFIX;
        String id = binary.xadd(stream, original);
        List<Arrival> arrivals = new CopyOnWriteArrayList<>();
        Subscription sub = rill.subscribe(SubscriptionOptions.builder().streams(stream).group(group).consumer("c1")
                .startPosition(StartPosition.EARLIEST)
                .blockTimeout(Duration.ofMillis(200))
                .retry(RetryOptions.builder().maxAttempts(1).build())
                .deadLetter(DeadLetterOptions.builder().maxFailures(FAILURES).build())
                .reclaim(ReclaimOptions.builder().interval(Duration.ofMillis(100)).minIdle(Duration.ofSeconds(1)).build())
                .janitor(JanitorOptions.builder().enabled(false).build())
                .build(), entry -> {
                    arrivals.add(new Arrival(entry.id(), entry.deliveryCount().orElse(-1), valuesOf(entry)));
                    if (entry.id().equals(id)) {
                        throw new IllegalStateException("fails until it is redriven");
                    }
                });

        // delivery 1, a new read; once its failure settled, a resume reads the own pending list (delivery 2)
        await().atMost(Duration.ofSeconds(30)).until(() -> arrivals.size() == 1 && sub.inFlight() == 0);
        sub.pause();
        sub.resume();
        // delivery 2 fails too, then a claim after min-idle brings delivery 3, whose failure moves it
        await().atMost(Duration.ofSeconds(60)).until(() -> binary.xlen(dlq) == 1 && redis.pending(stream, group) == 0);
        assertEquals(FAILURES, arrivals.size(), "deliveries before the move");
        for (int i = 0; i < FAILURES; i++) {
            assertEquals(id, arrivals.get(i).id());
            assertEquals(i + 1, arrivals.get(i).deliveryCount());
            assertSameBytes(original, arrivals.get(i).values(), "delivery " + (i + 1));
        }

        StreamMessage<String, byte[]> letter = binary.xrange(dlq, Range.create("-", "+")).get(0);
        Map<String, byte[]> copied = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        letter.getBody().forEach((name, value) -> {
            if (name.startsWith("rill.")) {
                metadata.put(name, new String(value, StandardCharsets.UTF_8));
            } else {
                copied.put(name, value);
            }
        });
        assertSameBytes(original, copied, "the dead letter");
        // the original fields come first, Rill's after them
        assertEquals(new ArrayList<>(original.keySet()),
                new ArrayList<>(letter.getBody().keySet()).subList(0, original.size()));
        assertEquals(stream, metadata.get(DeadLetter.STREAM));
        assertEquals(id, metadata.get(DeadLetter.ID));
        assertEquals(DeadLetter.REASON_FAILED, metadata.get(DeadLetter.REASON));
        assertEquals(Integer.toString(FAILURES), metadata.get(DeadLetter.FAILURES));

        assertEquals(1, rill.deadLetters(dlq).redriveAll());
        await().atMost(Duration.ofSeconds(60)).until(() -> arrivals.size() == FAILURES + 1
                && redis.allAcked(stream, group));
        Arrival redriven = arrivals.get(FAILURES);
        assertNotEquals(id, redriven.id());
        assertEquals(1, redriven.deliveryCount());
        assertSameBytes(original, redriven.values(), "the redriven entry at the handler");
        List<StreamMessage<String, byte[]>> inStream = binary.xrange(stream, Range.create(redriven.id(), redriven.id()));
        assertSameBytes(original, inStream.get(0).getBody(), "the redriven entry in the stream");
        assertEquals(0, binary.xlen(dlq));
    }

    private static Map<String, byte[]> valuesOf(StreamEntry entry) {
        return new LinkedHashMap<>(entry.byteFields());
    }

    /** Same names in the same order, and the same bytes for each; names the first field that differs. */
    private static void assertSameBytes(Map<String, byte[]> expected, Map<String, byte[]> actual, String what) {
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(actual.keySet()), what + ": field names");
        expected.forEach((name, value) -> assertArrayEquals(value, actual.get(name),
                () -> what + ": field '" + name + "' starts " + prefix(actual.get(name)) + ", expected " + prefix(value)));
    }

    private static String prefix(byte[] value) {
        return value == null ? "null" : HexFormat.of().formatHex(value, 0, Math.min(value.length, 16)) + " (" + value.length + " bytes)";
    }
}
