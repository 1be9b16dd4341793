package io.rill.bench.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/**
 * The latency producer writes what is due on a waking in one write: whether it keeps to its schedule or
 * is far behind it, every due entry reaches the stream once, in due order, stamped with its due time, and
 * the connection is left flushing every command again. No timing is asserted.
 */
@WithRedis
class ProducerProcessTest {

    private final RedisFixture redis;

    ProducerProcessTest(RedisServer server) {
        this.redis = new RedisFixture(server);
    }

    @AfterEach
    void close() {
        redis.close();
    }

    @Test
    void onScheduleEveryDueEntryIsWrittenOnceInOrder() throws Exception {
        int rate = 2_000;
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(250);
        assertWrittenOnceInOrder(RedisFixture.unique("test:on-schedule"), rate, start, end);
    }

    @Test
    void farBehindItsScheduleItStillWritesEveryEntry() throws Exception {
        // every entry of the first second is due at once: more than one write's worth, more than any waking finds
        int rate = 5 * ProducerProcess.MAX_UNFLUSHED * 10;
        long start = System.nanoTime() - TimeUnit.SECONDS.toNanos(1);
        long end = start + TimeUnit.SECONDS.toNanos(1) + TimeUnit.MILLISECONDS.toNanos(50);
        assertWrittenOnceInOrder(RedisFixture.unique("test:behind"), rate, start, end);
    }

    private void assertWrittenOnceInOrder(String stream, int rate, long start, long end) throws Exception {
        Histogram lag = new Histogram(3);
        long measured;
        try (StatefulRedisConnection<String, String> connection = redis.client().connect()) {
            measured = ProducerProcess.produce(connection, stream, rate, 10, start, start, end, lag, new TailCauses.LateSpells(),
                    new TailCauses.SlowXadds());
            // it gives the connection back flushing each command: a synchronous call answers
            assertEquals("PONG", connection.sync().ping());
        }

        long expected = (end - start - 1) * rate / 1_000_000_000L + 1; // due times start + i * 1e9 / rate, below end
        assertEquals(expected, measured, "entries due in the measured window");
        assertEquals(expected, lag.getTotalCount(), "lateness recorded per measured entry");
        List<StreamMessage<String, String>> written = redis.entries(stream);
        assertEquals(expected, written.size(), "entries in the stream");
        for (int i = 0; i < written.size(); i++) {
            long due = start + i * 1_000_000_000L / rate;
            assertEquals(Long.toString(due), written.get(i).getBody().get("t"), "due time of entry " + i);
        }
    }
}
