package io.rill.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.rill.JanitorOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.StreamEntry;
import io.rill.SubscriptionOptions;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/**
 * Rill decodes the reply of XREADGROUP {@code >} itself (semantics 2). Whatever protocol the client speaks
 * (RESP2: an array of stream and entries pairs; RESP3: a map of stream to entries), every entry of every
 * stream of a read reaches the handler as Redis holds it: its stream, its ID, its delivery count 1, its
 * field names in order and its values byte for byte, with one field, many, none of them text, an empty
 * value, or a name given twice (the last value wins, as with Lettuce's own decoding). The entries are
 * written and read back with a byte-array codec of the test's own.
 */
@WithRedis
class FreshReadDecodingTest {

    private static final byte[] NOT_UTF8 = HexFormat.of().parseHex("ff00c3289601");

    private final RedisServer server;

    FreshReadDecodingTest(RedisServer server) {
        this.server = server;
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = { "RESP2", "RESP3" })
    void everyEntryOfEveryStreamArrivesAsRedisHoldsIt(ProtocolVersion protocol) {
        RedisClient client = RedisClient.create(server.uri());
        client.setOptions(ClientOptions.builder().protocolVersion(protocol).build());
        try (RedisFixture redis = new RedisFixture(server);
                StatefulRedisConnection<String, byte[]> connection = redis.client()
                        .connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
                Rill rill = Rill.create(client)) {
            List<String> streams = List.of(RedisFixture.unique("orders"), RedisFixture.unique("refunds"));
            Map<String, Map<String, byte[]>> written = new LinkedHashMap<>(); // by stream and ID
            for (int i = 0; i < 150; i++) {
                String stream = streams.get(i % 2);
                Map<String, byte[]> fields = new LinkedHashMap<>();
                switch (i % 5) {
                    case 0 -> fields.put("only", bytes("one field " + i));
                    case 1 -> {
                        fields.put("n", bytes(Integer.toString(i)));
                        fields.put("blob", NOT_UTF8);
                        fields.put("empty", new byte[0]);
                        fields.put("grüße ✓", bytes("text " + i));
                    }
                    case 2 -> fields.put("empty", new byte[0]);
                    case 3 -> {
                        for (int f = 0; f < 40; f++) {
                            fields.put("f" + f, new byte[] { (byte) f, (byte) 0xfe, (byte) i });
                        }
                    }
                    default -> fields.put("k", NOT_UTF8);
                }
                String id = connection.sync().xadd(stream, fields);
                written.put(stream + " " + id, fields);
            }
            // a name given twice: Redis keeps both, the handler sees the last value
            String twice = connection.sync().xadd(streams.get(0), "a", bytes("1"), "b", bytes("2"), "a", bytes("3"));
            Map<String, byte[]> lastWins = new LinkedHashMap<>();
            lastWins.put("a", bytes("3"));
            lastWins.put("b", bytes("2"));
            written.put(streams.get(0) + " " + twice, lastWins);

            Map<String, StreamEntry> arrived = new ConcurrentHashMap<>();
            rill.subscribe(SubscriptionOptions.builder().streams(streams.get(0), streams.get(1)).group("g").consumer("c1")
                    .startPosition(StartPosition.EARLIEST)
                    .batchSize(64) // several reads, each over both streams
                    .janitor(JanitorOptions.builder().enabled(false).build())
                    .build(), entry -> arrived.put(entry.stream() + " " + entry.id(), entry));

            await().atMost(Duration.ofSeconds(30)).until(() -> arrived.size() == written.size());
            written.forEach((key, fields) -> {
                StreamEntry entry = arrived.get(key);
                assertEquals(1, entry.deliveryCount().orElse(-1), key);
                assertEquals(new ArrayList<>(fields.keySet()), new ArrayList<>(entry.byteFields().keySet()), key + ": names");
                fields.forEach((name, value) -> assertArrayEquals(value, entry.bytes(name), key + ": field " + name));
            });
        } finally {
            client.shutdown();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
