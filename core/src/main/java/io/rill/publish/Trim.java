package io.rill.publish;

import java.util.Objects;

/**
 * How a publish trims its stream, as the XADD that appends the entry: nothing, {@code MAXLEN} (keep about
 * or exactly {@code n} entries) or {@code MINID} (drop entries older than an ID).
 *
 * @param kind        what to trim by
 * @param threshold   the entry count (MAXLEN) or the ID (MINID); empty for none
 * @param approximate {@code ~}: Redis trims whole nodes only, which is much cheaper; {@code =} otherwise
 */
public record Trim(Kind kind, String threshold, boolean approximate) {

    /** No trimming. */
    public static final Trim NONE = new Trim(Kind.NONE, "", false);

    /** What a trim is by. */
    public enum Kind {
        NONE, MAXLEN, MINID
    }

    public Trim {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(threshold, "threshold");
        if (kind == Kind.NONE && !threshold.isEmpty()) {
            throw new IllegalArgumentException("Trim.NONE has no threshold");
        }
        if (kind == Kind.MINID && !threshold.matches("\\d+(-\\d+)?")) {
            throw new IllegalArgumentException("MINID must be an entry ID such as 1700000000000-0, was '" + threshold + "'");
        }
    }

    /** {@code MAXLEN ~ n}: keep about {@code n} entries (at least {@code n}). */
    public static Trim maxLength(long n) {
        return maxLength(n, true);
    }

    /** {@code MAXLEN ~ n}, or {@code MAXLEN = n} when not approximate. */
    public static Trim maxLength(long n, boolean approximate) {
        if (n < 0) {
            throw new IllegalArgumentException("MAXLEN must be >= 0, was " + n);
        }
        return new Trim(Kind.MAXLEN, Long.toString(n), approximate);
    }

    /** {@code MINID ~ id}: drop entries older than {@code id} (whole nodes only). */
    public static Trim minId(String id) {
        return minId(id, true);
    }

    /** {@code MINID ~ id}, or {@code MINID = id} when not approximate. */
    public static Trim minId(String id, boolean approximate) {
        return new Trim(Kind.MINID, Objects.requireNonNull(id, "id"), approximate);
    }
}
