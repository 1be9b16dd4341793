package io.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Semantics 13: partition names and the routing hash, which producers in other languages must reproduce. */
class PartitionedStreamTest {

    @Test
    void partitionsAreNamedWithTheirIndexAsHashTag() {
        PartitionedStream orders = PartitionedStream.of("orders", 3);
        assertEquals(List.of("orders:{0}", "orders:{1}", "orders:{2}"), orders.streams());
        assertEquals("orders:{2}", orders.partition(2));
        assertThrows(IndexOutOfBoundsException.class, () -> orders.partition(3));
    }

    @Test
    void theRouteIsCrc32OfTheUtf8KeyModN() {
        // the CRC-32 check value: crc32("123456789") = 0xCBF43926 = 3421780262 (zlib, Go's ChecksumIEEE, ...)
        assertEquals((int) (3421780262L % 10), PartitionedStream.of("s", 10).partitionOf("123456789"));
        assertEquals((int) (3421780262L % 7), PartitionedStream.of("s", 7).partitionOf("123456789"));
        // crc32("é") over its UTF-8 bytes C3 A9 = 0x2E1F3F91... checked against java.util.zip directly
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(new byte[] {(byte) 0xC3, (byte) 0xA9});
        assertEquals((int) (crc.getValue() % 5), PartitionedStream.of("s", 5).partitionOf("é"));
        assertEquals("s:{0}", PartitionedStream.of("s", 1).streamFor("anything"));
        assertEquals(PartitionedStream.of("s", 8).streamFor("customer-42"), PartitionedStream.of("s", 8).streamFor("customer-42"));
        assertThrows(IllegalArgumentException.class, () -> PartitionedStream.of("s", 2).partitionOf(null));
    }

    @Test
    void sharesCoverEveryPartitionOnce() {
        PartitionedStream orders = PartitionedStream.of("orders", 7);
        List<String> all = new ArrayList<>();
        for (int member = 0; member < 3; member++) {
            all.addAll(orders.streamsOf(member, 3));
        }
        assertEquals(7, all.size());
        assertTrue(all.containsAll(orders.streams()));
        assertEquals(List.of(), PartitionedStream.of("x", 2).streamsOf(3, 4));
        assertThrows(IllegalArgumentException.class, () -> orders.streamsOf(3, 3));
    }

    @Test
    void badNamesAndCountsAreRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PartitionedStream.of("{orders}", 2)).getMessage()
                .contains("braces"));
        assertThrows(IllegalArgumentException.class, () -> PartitionedStream.of("orders", 0));
        assertThrows(IllegalArgumentException.class, () -> PartitionedStream.of("orders", PartitionedStream.MAX_PARTITIONS + 1));
    }

    @Test
    void thePartitionsOptionReadsEachStreamsPartitions() {
        SubscriptionOptions options = SubscriptionOptions.builder().streams("orders", "refunds").group("g").consumer("c")
                .option("partitions", 2).build();
        assertEquals(List.of("orders", "refunds"), options.streams());
        assertEquals(List.of("orders:{0}", "orders:{1}", "refunds:{0}", "refunds:{1}"), options.streamKeys());
        InvalidOptionException braces = assertThrows(InvalidOptionException.class, () -> SubscriptionOptions.builder()
                .streams("{orders}").group("g").consumer("c").partitions(2).build());
        assertEquals("partitions", braces.option());
        assertThrows(InvalidOptionException.class, () -> SubscriptionOptions.builder().streams("orders").group("g")
                .consumer("c").partitions(4).maxInFlight(3).build());
        assertThrows(InvalidOptionException.class, () -> SubscriptionOptions.builder().streams("orders").group("g")
                .consumer("c").replicaAckTimeout(java.time.Duration.ZERO).build());
    }
}
