package io.rill.internal.publish;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import io.rill.Output;
import io.rill.internal.connect.EntryCodec;
import io.rill.internal.connect.SlotKeys;
import io.rill.internal.connect.WideCall;

/**
 * The idempotent XADD: one script that returns the ID stored under the entry's dedup key when there is one,
 * else appends the entry and stores its ID under that key with an expiry, both in one atomic step. A script
 * rather than MULTI because it must read before it writes. The dedup key starts with the stream's slot
 * prefix ({@link SlotKeys}), so the script touches one hash slot in a cluster. The XADD goes through
 * {@link WideCall}, so an entry of any number of fields can be published (as a handler's output can).
 *
 * <p>Redis 8.6.2+ has {@code XADD ... IDMP producer-id iid} doing the same in the server (without a key of
 * its own, bounded per producer id in count and time). {@link #hasIdmp} tells from the server's version;
 * Rill still uses this script there (IDMP's limits differ and are not tested here): see docs/producing.md.
 */
public final class IdempotentXadd {

    /** KEYS: stream, dedup key. ARGV: retention ms, number of trim arguments, trim arguments, field/value pairs. */
    public static final String SCRIPT = WideCall.FUNCTION + """
            local earlier = redis.call('GET', KEYS[2])
            if earlier then
                return {earlier, 0}
            end
            local trims = tonumber(ARGV[2])
            local args = {'XADD', KEYS[1]}
            for i = 3, 2 + trims do
                args[#args + 1] = ARGV[i]
            end
            args[#args + 1] = '*'
            for i = 3 + trims, #ARGV do
                args[#args + 1] = ARGV[i]
            end
            local id = call_wide(args)
            redis.call('SET', KEYS[2], id, 'PX', ARGV[1])
            return {id, 1}
            """;

    /** The script's SHA-1, for EVALSHA. */
    public static final String SHA = sha1(SCRIPT);

    /** What the dedup keys of a stream are called after its slot prefix. */
    static final String DEDUP_INFIX = ":idem:";

    private IdempotentXadd() {
    }

    /** The key that remembers the ID of the entry published to {@code stream} under {@code idempotencyKey}. */
    public static String dedupKey(String stream, String idempotencyKey) {
        return SlotKeys.prefix(stream) + DEDUP_INFIX + idempotencyKey;
    }

    public static String[] keys(KeyedEntry keyed) {
        return new String[] {keyed.stream(), dedupKey(keyed.stream(), keyed.idempotencyKey())};
    }

    /** The script's arguments for one entry. */
    public static byte[][] args(KeyedEntry keyed, Duration retention) {
        Output entry = keyed.entry();
        List<byte[]> args = new ArrayList<>(5 + entry.fields().size() * 2);
        args.add(EntryCodec.utf8(Long.toString(Math.max(1, retention.toMillis()))));
        if (entry.trim() == Output.Trim.NONE) {
            args.add(EntryCodec.utf8("0"));
        } else {
            args.add(EntryCodec.utf8("3"));
            args.add(EntryCodec.utf8(entry.trim().name()));
            args.add(EntryCodec.utf8(entry.exactTrimming() ? "=" : "~"));
            args.add(EntryCodec.utf8(entry.threshold().orElseThrow()));
        }
        for (Map.Entry<String, byte[]> field : entry.fields().entrySet()) {
            args.add(field.getKey().getBytes(StandardCharsets.UTF_8));
            args.add(field.getValue());
        }
        return args.toArray(new byte[0][]);
    }

    /** The script's reply: the entry's ID, and whether this call appended it (false: an earlier one did). */
    public record Reply(String id, boolean appended) {
    }

    public static Reply reply(List<Object> reply) {
        return new Reply(EntryCodec.text(reply.get(0)), ((Number) reply.get(1)).longValue() == 1);
    }

    /** Whether a server of this version ({@code INFO server}'s redis_version) has XADD IDMP: 8.6.2 and later. */
    public static boolean hasIdmp(String version) {
        if (version == null) {
            return false;
        }
        String[] parts = version.strip().split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            int patch = parts.length > 2 ? Integer.parseInt(parts[2].replaceAll("\\D.*", "")) : 0;
            return major > 8 || (major == 8 && (minor > 6 || (minor == 6 && patch >= 2)));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code redis_version} of an {@code INFO server} reply; null when it has none. */
    public static String version(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("redis_version:")) {
                return line.substring("redis_version:".length()).strip();
            }
        }
        return null;
    }
}
