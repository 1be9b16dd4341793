package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.MessageHeader;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import jakarta.inject.Inject;

/**
 * {@code byte[]} parameters get the bytes Redis holds, not a UTF-8 decoding of them: the body field's for
 * a body, one field's for {@code @MessageHeader}, every field's for a {@code Map<String, byte[]>} body; and
 * the StreamPublisher writes {@code byte[]} bodies and values unchanged. The test writes and checks Redis through a byte-array codec of its own.
 */
@MicronautTest
class BinaryBindingTest extends RedisTest {

    static final String SPEC = "BinaryBindingTest";
    /** Not valid UTF-8: decoded as text it would come back as 08 EF BF BD 01 ... */
    static final byte[] NOT_UTF8 = HexFormat.of().parseHex("089601fffe00c3");
    static final byte[] SIGNATURE = HexFormat.of().parseHex("c0ffeec0ffee80");

    record Seen(byte[] body, byte[] signature, String tenant) {
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "bin")
    static class Files {
        final List<Seen> files = new CopyOnWriteArrayList<>();
        final List<byte[]> batched = new CopyOnWriteArrayList<>();
        final List<Map<String, byte[]>> maps = new CopyOnWriteArrayList<>();

        @Stream("binbind:files")
        void onFile(byte[] body, @MessageHeader("sig") byte[] signature, @MessageHeader("tenant") String tenant) {
            files.add(new Seen(body, signature, tenant));
        }

        @Stream("binbind:maps")
        void onMap(Map<String, byte[]> fields) {
            maps.add(fields);
        }

        @Stream(value = "binbind:batch", batch = true)
        void onBatch(List<byte[]> bodies) {
            batched.addAll(bodies);
        }
    }

    @Inject
    Files files;
    @Inject
    StreamPublisher publisher;

    @Override
    String spec() {
        return SPEC;
    }

    private RedisCommands<String, byte[]> binary() {
        StatefulRedisConnection<String, byte[]> connection = closeLater(
                redis.client().connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE)));
        return connection.sync();
    }

    /** What the listener got from the entry of this tenant; null before that. */
    private Seen seen(String tenant) {
        return files.files.stream().filter(s -> tenant.equals(s.tenant())).findFirst().orElse(null);
    }

    @Test
    void byteArrayParametersGetTheBytesRedisHolds() {
        Map<String, byte[]> fields = new LinkedHashMap<>();
        fields.put("payload", NOT_UTF8);
        fields.put("sig", SIGNATURE);
        fields.put("tenant", "acme".getBytes(StandardCharsets.UTF_8));
        RedisCommands<String, byte[]> binary = binary();
        binary.xadd("binbind:files", fields);
        binary.xadd("binbind:maps", fields);

        await().atMost(Duration.ofSeconds(20)).until(() -> seen("acme") != null);
        Seen seen = seen("acme");
        assertArrayEquals(NOT_UTF8, seen.body());
        assertArrayEquals(SIGNATURE, seen.signature());
        assertEquals("acme", seen.tenant());
        await().atMost(Duration.ofSeconds(20)).until(() -> files.maps.size() == 1);
        Map<String, byte[]> map = files.maps.get(0);
        assertEquals(List.of("payload", "sig", "tenant"), List.copyOf(map.keySet()));
        assertArrayEquals(NOT_UTF8, map.get("payload"));
        assertArrayEquals(SIGNATURE, map.get("sig"));
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.allAcked("binbind:files", "bin")
                && redis.allAcked("binbind:maps", "bin"));
    }

    @Test
    void thePublisherWritesByteArraysUnchangedAndABatchMethodGetsThem() {
        RedisCommands<String, byte[]> binary = binary();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("payload", NOT_UTF8);
        body.put("sig", SIGNATURE);
        String id = publisher.publish("binbind:files", body, Map.of("tenant", "globex"), StreamPublisher.NO_MAX_LEN);
        List<String> batchIds = publisher.publishAll("binbind:batch", List.of(NOT_UTF8, SIGNATURE));

        StreamMessage<String, byte[]> written = binary.xrange("binbind:files", Range.create(id, id)).get(0);
        assertEquals(List.of("payload", "sig", "tenant"), List.copyOf(written.getBody().keySet()));
        assertArrayEquals(NOT_UTF8, written.getBody().get("payload"));
        assertArrayEquals(SIGNATURE, written.getBody().get("sig"));
        assertArrayEquals(NOT_UTF8, binary.xrange("binbind:batch", Range.create(batchIds.get(0), batchIds.get(0)))
                .get(0).getBody().get("payload"), "a byte[] body is the body field's bytes");

        await().atMost(Duration.ofSeconds(20)).until(() -> seen("globex") != null && files.batched.size() == 2);
        Seen seen = seen("globex");
        assertArrayEquals(NOT_UTF8, seen.body());
        assertArrayEquals(SIGNATURE, seen.signature());
        assertArrayEquals(NOT_UTF8, files.batched.get(0));
        assertArrayEquals(SIGNATURE, files.batched.get(1));
    }
}
