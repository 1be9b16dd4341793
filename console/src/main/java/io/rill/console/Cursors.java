package io.rill.console;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The cursors the pages carry in their links, checked before anything goes to Redis. Every list is read
 * one page at a time: entries with XREVRANGE/XRANGE from an exclusive bound ({@code (id}) and a COUNT,
 * pending entries with XPENDING from an exclusive bound and a COUNT, keys with SCAN's own cursor. A page
 * reads one more than it shows, to know whether there is a next one, and never more.
 */
public final class Cursors {

    private static final Pattern ENTRY_ID = Pattern.compile("\\d{1,20}-\\d{1,20}");
    private static final Pattern SCAN_CURSOR = Pattern.compile("\\d{1,20}");

    private Cursors() {
    }

    /** A stream entry ID as the user gave it, or empty when it is not one. */
    public static Optional<String> entryId(String id) {
        return id != null && ENTRY_ID.matcher(id).matches() ? Optional.of(id) : Optional.empty();
    }

    /**
     * Where a page of keys starts: a SCAN cursor. A page ends where a SCAN call ended, never inside its
     * batch: calling SCAN again with a cursor it already answered can return another batch once Redis has
     * resized its key table meanwhile (part of the first batch then comes again with a later cursor), so a
     * page that went on "after the last key shown" of a repeated call could show a key twice.
     */
    public record KeyCursor(String scan) {

        public static final KeyCursor START = new KeyCursor("0");

        /** A SCAN cursor; the start when absent or malformed. */
        public static KeyCursor parse(String cursor) {
            return cursor != null && SCAN_CURSOR.matcher(cursor).matches() ? new KeyCursor(cursor) : START;
        }

        public boolean start() {
            return "0".equals(scan);
        }

        @Override
        public String toString() {
            return scan;
        }
    }

    /** The millisecond part of an entry ID. */
    public static long millis(String id) {
        String checked = entryId(id).orElseThrow(() -> new IllegalArgumentException("not an entry ID: " + id));
        return Long.parseUnsignedLong(checked.substring(0, checked.indexOf('-')));
    }

    /**
     * One page of a list read with one extra element: the elements to show and the cursor of the next
     * page (the last shown element's key), empty on the last page.
     */
    public record Page<T>(List<T> items, Optional<String> next) {

        /** {@code read} holds at most {@code size + 1} elements; {@code key} gives the cursor of one. */
        public static <T> Page<T> of(List<T> read, int size, Function<T, String> key) {
            if (read.size() <= size) {
                return new Page<>(List.copyOf(read), Optional.empty());
            }
            List<T> shown = List.copyOf(read.subList(0, size));
            return new Page<>(shown, Optional.of(key.apply(shown.get(size - 1))));
        }
    }
}
