package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.rill.Output;
import io.rill.ProducerOptions;
import io.rill.StreamEntry;
import io.rill.internal.publish.IdempotentXadd;
import io.rill.publish.Producer;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;
import io.rill.tracing.Tracing;

/**
 * The idempotent producer against a real Redis: a retried publish adds one entry and returns its ID every
 * time, the dedup key lives as long as the retention says, values are written byte for byte, the XADD
 * trims, and the trace context travels in the entry as on every producer path.
 */
@WithRedis
class IdempotentPublishTest {

    private final RedisServer server;
    private final RedisFixture redis;
    private final Producer producer;

    IdempotentPublishTest(RedisServer server) {
        this.server = server;
        this.redis = new RedisFixture(server);
        this.producer = Producer.create(redis.client());
    }

    @AfterEach
    void close() {
        producer.close();
        redis.close();
    }

    @Test
    void aPublishRetriedThreeTimesAddsOneEntryAndReturnsItsIdEachTime() {
        String stream = RedisFixture.unique("orders");
        Output entry = Output.of(stream, Map.of("sku", "A-1", "qty", "2"));
        String first = producer.publishAndWait("request-42", entry);
        for (int retry = 0; retry < 3; retry++) {
            assertEquals(first, producer.publishAndWait("request-42", entry), "retry " + retry);
        }
        // a retry with other fields is still the same request: the first entry stands
        assertEquals(first, producer.publishAndWait("request-42", Output.of(stream, Map.of("sku", "B-2"))));
        List<StreamMessage<String, String>> entries = redis.entries(stream);
        assertEquals(1, entries.size());
        assertEquals(first, entries.get(0).getId());
        assertEquals("A-1", entries.get(0).getBody().get("sku"));
        // the server's version was probed on the first connection: 7.x has no IDMP, 8.6.2+ has
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.serverHasIdmp() != null);
        assertEquals(IdempotentXadd.hasIdmp(server.version()), producer.serverHasIdmp());
    }

    @Test
    void aServerWithoutTheScriptGetsItsTextOnce() {
        String stream = RedisFixture.unique("orders");
        redis.commands().scriptFlush(); // as after a Redis restart
        String id = producer.publishAndWait("k", Output.of(stream, Map.of("n", "1")));
        assertEquals(id, producer.publishAndWait("k", Output.of(stream, Map.of("n", "1"))));
        assertEquals(IdempotentXadd.SHA, redis.commands().scriptLoad(IdempotentXadd.SCRIPT), "EVALSHA names the script");
        assertEquals(1, redis.commands().xlen(stream));
    }

    @Test
    void retriesRacingEachOtherStillAddOneEntry() {
        String stream = RedisFixture.unique("orders");
        Output entry = Output.of(stream, Map.of("n", "7"));
        List<CompletableFuture<String>> racing = IntStream.range(0, 8).mapToObj(i -> producer.publish("request-7", entry))
                .toList();
        Set<String> ids = racing.stream().map(CompletableFuture::join).collect(Collectors.toSet());
        assertEquals(1, ids.size());
        assertEquals(1, redis.commands().xlen(stream));
    }

    @Test
    void differentKeysAddDifferentEntriesInOrder() {
        String stream = RedisFixture.unique("orders");
        List<String> ids = IntStream.range(0, 50)
                .mapToObj(i -> producer.publishAndWait("k" + i, Output.of(stream, Map.of("n", Integer.toString(i)))))
                .toList();
        assertEquals(50, Set.copyOf(ids).size());
        assertEquals(ids, redis.entries(stream).stream().map(StreamMessage::getId).toList());
        // the same key on another stream is another entry
        String other = RedisFixture.unique("refunds");
        assertNotEquals(ids.get(0), producer.publishAndWait("k0", Output.of(other, Map.of("n", "0"))));
        assertEquals(1, redis.commands().xlen(other));
    }

    @Test
    void theDedupKeyExpiresAfterTheRetentionAndThenTheKeyPublishesAgain() {
        Duration retention = Duration.ofMillis(1500);
        try (Producer shortMemory = Producer.builder(redis.client())
                .options(ProducerOptions.builder().retention(retention).build()).build()) {
            String stream = RedisFixture.unique("orders");
            Output entry = Output.of(stream, Map.of("n", "1"));
            String first = shortMemory.publishAndWait("k", entry);
            String dedupKey = IdempotentXadd.dedupKey(stream, "k");
            long ttl = redis.commands().pttl(dedupKey);
            assertTrue(ttl > 0 && ttl <= retention.toMillis(), "PTTL " + ttl);
            assertEquals(first, redis.commands().get(dedupKey));
            assertEquals(first, shortMemory.publishAndWait("k", entry), "within the retention");

            await().atMost(Duration.ofSeconds(10)).until(() -> redis.commands().exists(dedupKey) == 0);
            String second = shortMemory.publishAndWait("k", entry);
            assertNotEquals(first, second, "past the retention the key is forgotten: a new entry");
            assertEquals(2, redis.commands().xlen(stream));
        }
    }

    @Test
    void binaryFieldsAreWrittenByteForByte() {
        String stream = RedisFixture.unique("blobs");
        Map<String, byte[]> fields = new LinkedHashMap<>();
        fields.put("blob", HexFormat.of().parseHex("089601fffe00c3"));
        fields.put("empty", new byte[0]);
        fields.put("text", "grüße ✓".getBytes(StandardCharsets.UTF_8));
        String id = producer.publishAndWait("b1", Output.ofBytes(stream, fields));
        assertEquals(id, producer.publishAndWait("b1", Output.ofBytes(stream, fields)));
        try (StatefulRedisConnection<String, byte[]> bytes = redis.client()
                .connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
            List<StreamMessage<String, byte[]>> read = bytes.sync().xrange(stream, io.lettuce.core.Range.create("-", "+"));
            assertEquals(1, read.size());
            assertEquals(List.copyOf(fields.keySet()), List.copyOf(read.get(0).getBody().keySet()));
            fields.forEach((name, value) -> assertArrayEquals(value, read.get(0).getBody().get(name), name));
        }
    }

    @Test
    void anEntryWiderThanOneLuaUnpackIsPublishedWholeAndOnce() {
        // 5,000 fields are 10,000 XADD values: more than Lua's unpack returns at once
        String stream = RedisFixture.unique("wide");
        Output.Builder wide = Output.to(stream);
        for (int i = 0; i < 5000; i++) {
            wide.field("f" + i, Integer.toString(i));
        }
        Output entry = wide.build();
        String id = producer.publishAndWait("wide-1", entry);
        assertEquals(id, producer.publishAndWait("wide-1", entry), "a retry of a wide entry is still deduplicated");
        assertEquals(1, redis.commands().xlen(stream));
        Map<String, String> body = redis.entries(stream).get(0).getBody();
        assertEquals(5000, body.size());
        assertEquals(List.copyOf(entry.fields().keySet()), List.copyOf(body.keySet()), "field order kept");
        assertEquals("4999", body.get("f4999"));
    }

    @Test
    void aPublishWithoutAKeyIsRefusedAndWritesNothing() {
        String stream = RedisFixture.unique("orders");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> producer.publish("", Output.of(stream, Map.of("n", "1"))));
        assertTrue(e.getMessage().contains("idempotency key"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> producer.publish(null, Output.of(stream, Map.of("n", "1"))));
        assertEquals(0, redis.commands().xlen(stream));
    }

    @Test
    void theXaddTrimsAsAsked() {
        String stream = RedisFixture.unique("trimmed");
        for (int i = 0; i < 20; i++) {
            producer.publishAndWait("k" + i, Output.to(stream).field("n", Integer.toString(i)).maxLen(5).exactTrimming()
                    .build());
        }
        assertEquals(5, redis.commands().xlen(stream));
        assertEquals("19", redis.entries(stream).get(4).getBody().get("n"));
        String last = redis.entries(stream).get(4).getId();
        producer.publishAndWait("k-min", Output.to(stream).field("n", "20").minId(last).exactTrimming().build());
        assertEquals(2, redis.commands().xlen(stream), "MINID drops every entry before the ID");
    }

    @Test
    void theCallersTraceContextIsInjectedUnlessTheEntryHasIt() {
        Tracing fixed = new Tracing() {
            @Override
            public Map<String, String> currentFields() {
                return Map.of(TRACEPARENT, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            }

            @Override
            public Call consume(StreamEntry entry, String group, String consumer) {
                return Call.NONE;
            }

            @Override
            public Call consume(List<StreamEntry> batch, String group, String consumer) {
                return Call.NONE;
            }
        };
        try (Producer traced = Producer.builder(redis.client()).tracing(fixed).build()) {
            String stream = RedisFixture.unique("traced");
            traced.publishAndWait("a", Output.of(stream, Map.of("n", "1")));
            traced.publishAndWait("b", Output.of(stream, Map.of("n", "2", Tracing.TRACEPARENT, "mine")));
            List<StreamMessage<String, String>> entries = redis.entries(stream);
            assertEquals("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                    entries.get(0).getBody().get(Tracing.TRACEPARENT));
            assertEquals("mine", entries.get(1).getBody().get(Tracing.TRACEPARENT), "a field set explicitly wins");
        }
    }
}
