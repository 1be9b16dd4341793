package io.rill;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.zip.CRC32;

/**
 * A logical stream stored as {@code n} streams, {@code name:{0}} … {@code name:{n-1}} (semantics 13). The
 * braces make each partition's number its hash tag, so in a Redis Cluster the partitions spread over the
 * masters by the slots of {@code "0"}, {@code "1"}, …, and a partition's dead-letter stream
 * ({@code name:{i}:dlq}) and Rill's keys beside it share its slot.
 *
 * <p>A producer routes an entry with {@link #streamFor(String)}: entries with the same key always go to
 * the same partition, so a consumer that reads the partition sees them in the order they were added. The
 * key is the entry's ordering key when the consumers use one. The partition of a key is
 * <b>{@code crc32(utf8(key)) mod n}</b>, with CRC-32 as in zlib/PNG/Ethernet (IEEE 802.3, reflected,
 * initial value and final XOR {@code 0xFFFFFFFF}) taken as an unsigned 32-bit number, so that producers in
 * any language agree: {@code zlib.crc32(key.encode()) % n} in Python, {@code crc32.ChecksumIEEE([]byte(key)) % n}
 * in Go, {@code crc32(key) % n} in PHP.
 *
 * <p>A consumer reads every partition ({@link #streams()}), or, to keep per-key order with several
 * consumers in a group, each consumer reads only its share ({@link #streamsOf(int, int)}): consumers that
 * share a partition split its entries between them, each entry once, but two of them may then handle
 * entries of one key at the same time.
 *
 * @param name       the logical stream's name, without braces
 * @param partitions how many partitions, at least 1
 */
public record PartitionedStream(String name, int partitions) {

    /** More partitions than this is a mistake, not a plan: each one is a stream read and acked on its own. */
    public static final int MAX_PARTITIONS = 1024;

    public PartitionedStream {
        Options.name("name", name);
        if (name.indexOf('{') >= 0 || name.indexOf('}') >= 0) {
            throw new IllegalArgumentException("name '" + name + "' must not contain braces: the partitions' names "
                    + "('" + name + ":{0}', ...) carry the hash tag");
        }
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException("partitions must be between 1 and " + MAX_PARTITIONS + ", was " + partitions);
        }
    }

    public static PartitionedStream of(String name, int partitions) {
        return new PartitionedStream(name, partitions);
    }

    /** The key of partition {@code index}: {@code name:{index}}. */
    public String partition(int index) {
        if (index < 0 || index >= partitions) {
            throw new IndexOutOfBoundsException("partition " + index + " of " + partitions);
        }
        return name + ":{" + index + "}";
    }

    /** Every partition's key, in order. */
    public List<String> streams() {
        return IntStream.range(0, partitions).mapToObj(this::partition).toList();
    }

    /**
     * The partitions consumer {@code member} of {@code members} reads when each partition has exactly one
     * reader: those whose index mod {@code members} is {@code member}. With more members than partitions,
     * some get none (an empty list).
     */
    public List<String> streamsOf(int member, int members) {
        if (members < 1 || member < 0 || member >= members) {
            throw new IllegalArgumentException("member must be 0.." + (members - 1) + " of " + members + " members, was "
                    + member);
        }
        List<String> share = new ArrayList<>();
        for (int i = member; i < partitions; i += members) {
            share.add(partition(i));
        }
        return List.copyOf(share);
    }

    /** The partition index of {@code key}: {@code crc32(utf8(key)) mod partitions}. */
    public int partitionOf(String key) {
        if (key == null) {
            throw new IllegalArgumentException("the routing key must not be null: entries without a key may go to any "
                    + "partition, pick one yourself (e.g. round-robin over streams())");
        }
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % partitions);
    }

    /** The key of the partition an entry with routing key {@code key} goes to. */
    public String streamFor(String key) {
        return partition(partitionOf(key));
    }
}
