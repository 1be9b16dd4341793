package io.rill;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A position in a stream for a consumer group: where a group Rill creates starts ({@code start-position}),
 * and where {@link Rill#seek} moves an existing one. An existing group keeps its position on subscribe.
 *
 * <ul>
 *   <li>{@link #LATEST}: only entries added from now on ({@code $});</li>
 *   <li>{@link #EARLIEST}: every entry in the stream ({@code 0});</li>
 *   <li>{@link #at(String) at(id)}: from the entry with that ID on, that entry included (the next one after
 *       it when it does not exist);</li>
 *   <li>{@link #at(Instant) at(time)}: from the first entry added at or after that time: a time is the ID
 *       {@code <epoch ms>-0}, since Redis IDs start with the millisecond the entry was added.</li>
 * </ul>
 *
 * Redis keeps a group's position as the ID of the last entry it delivered, and delivers what comes after
 * it; {@link #id()} is that ID, the one before the position's first entry.
 */
public final class StartPosition {

    /** Only entries added after the group is created, or after the seek ({@code $}). */
    public static final StartPosition LATEST = new StartPosition("latest", "$", null);
    /** Every entry already in the stream ({@code 0}). */
    public static final StartPosition EARLIEST = new StartPosition("earliest", "0", null);

    private static final Pattern ID = Pattern.compile("(\\d{1,20})(?:-(\\d{1,20}))?");
    private static final String FORMS = "earliest, latest, an entry ID (<ms>-<seq>, e.g. 1700000000000-0) or an ISO-8601 time "
            + "(e.g. 2026-11-30T10:00:00Z)";

    private final String text;
    private final String lastDeliveredId;
    private final Instant time;

    private StartPosition(String text, String lastDeliveredId, Instant time) {
        this.text = text;
        this.lastDeliveredId = lastDeliveredId;
        this.time = time;
    }

    /**
     * From the entry with this ID on, that entry included; when there is none with this ID, from the next
     * one after it. {@code <ms>-<seq>} or {@code <ms>} (sequence 0), each part an unsigned 64-bit number.
     *
     * @throws IllegalArgumentException when the ID is not of that form
     */
    public static StartPosition at(String id) {
        if (id == null) {
            throw new IllegalArgumentException("start-position ID must be set");
        }
        Matcher m = ID.matcher(id.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("start-position ID must be <ms>-<seq> or <ms> (digits, e.g. 1700000000000-0), "
                    + "was '" + id + "'");
        }
        long ms = unsigned(m.group(1), id);
        long seq = m.group(2) == null ? 0 : unsigned(m.group(2), id);
        return new StartPosition(Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq), before(ms, seq), null);
    }

    /**
     * From the first entry added at or after this time: the ID {@code <epoch ms of time>-0} (a time within a
     * millisecond counts from that millisecond's start). A time in the future skips everything added before it.
     *
     * @throws IllegalArgumentException for a time before 1970-01-01T00:00:00Z (stream IDs start there)
     */
    public static StartPosition at(Instant time) {
        if (time == null) {
            throw new IllegalArgumentException("start-position time must be set");
        }
        if (time.isBefore(Instant.EPOCH)) {
            throw new IllegalArgumentException("start-position time must not be before 1970-01-01T00:00:00Z (stream IDs "
                    + "count milliseconds from then), was " + time);
        }
        long ms = time.toEpochMilli();
        return new StartPosition(Instant.ofEpochMilli(ms).toString(), before(ms, 0), Instant.ofEpochMilli(ms));
    }

    /**
     * Reads a position as written in configuration: {@code earliest}, {@code latest} (either case), an entry
     * ID ({@code 1700000000000-0}, or {@code 1700000000000}) or an ISO-8601 time with a zone or offset
     * ({@code 2026-11-30T10:00:00Z}, {@code 2026-11-30T11:00:00+01:00}). {@link #toString()} gives it back.
     *
     * @throws InvalidOptionException for {@code start-position}, naming the forms accepted
     */
    public static StartPosition parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidOptionException("start-position", text, "must be " + FORMS + ", was " + (text == null ? "null" : "blank"));
        }
        String value = text.trim();
        switch (value.toLowerCase(Locale.ROOT)) {
            case "earliest":
                return EARLIEST;
            case "latest":
                return LATEST;
            default:
                break;
        }
        if (ID.matcher(value).matches()) {
            try {
                return at(value);
            } catch (IllegalArgumentException e) { // digits that do not fit an ID's 64-bit parts
                throw new InvalidOptionException("start-position", text, "must be " + FORMS + ", was '" + text + "' ("
                        + e.getMessage() + ")");
            }
        }
        Instant time;
        try {
            time = OffsetDateTime.parse(value).toInstant(); // 2026-11-30T10:00:00Z, ...+01:00
        } catch (DateTimeParseException e) {
            throw new InvalidOptionException("start-position", text, "must be " + FORMS + ", was '" + text + "'");
        }
        return at(time);
    }

    /**
     * The ID given to XGROUP CREATE and SETID: the last entry the group counts as delivered, the one right
     * before this position's first entry ({@code $} for LATEST, {@code 0} for EARLIEST).
     */
    public String id() {
        return lastDeliveredId;
    }

    /** The time of a position made with {@link #at(Instant)} (or parsed from one), to the millisecond. */
    public Optional<Instant> time() {
        return Optional.ofNullable(time);
    }

    /** {@code latest}, {@code earliest}, the first ID ({@code 1700000000000-5}) or the time: what {@link #parse} reads. */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StartPosition p && p.text.equals(text) && p.lastDeliveredId.equals(lastDeliveredId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(text, lastDeliveredId);
    }

    /** The ID right before {@code ms-seq}: Redis delivers what comes after a group's last delivered ID. */
    private static String before(long ms, long seq) {
        if (seq != 0) {
            return Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq - 1);
        }
        if (ms != 0) {
            return Long.toUnsignedString(ms - 1) + "-" + Long.toUnsignedString(-1L); // the last ID of the millisecond before
        }
        return "0"; // 0-0: nothing comes before it
    }

    private static long unsigned(String digits, String id) {
        try {
            return Long.parseUnsignedLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("start-position ID parts must fit in 64 bits (at most 18446744073709551615), "
                    + "was '" + id + "'");
        }
    }
}
