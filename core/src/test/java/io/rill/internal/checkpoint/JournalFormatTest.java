package io.rill.internal.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

import io.rill.internal.checkpoint.AckJournal.Commit;

/**
 * The ID encoding of a COMMIT record (semantics 4) on its own: IDs that share their ms part with the one before
 * are not parsed again, so IDs that only look alike at the start must still decode to themselves, and an ID that
 * is not one must still be refused.
 */
class JournalFormatTest {

    @Test
    void idsThatShareOnlyPartOfTheirMsTextDecodeToThemselves() {
        List<String> ids = List.of("17-1", "17-2", "170-2", "17-3", "1-0", "171-0", "1700000000000-5", "1700000000000-6",
                "1700000000001-0", "1700000000000-9", "18446744073709551615-18446744073709551615",
                "18446744073709551615-0", "0-0", "0-18446744073709551615");

        assertEquals(ids, roundTrip(ids));
    }

    @Test
    void aBatchOfConsecutiveIdsDecodesToItself() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            ids.add((1_764_590_000_000L + i / 37) + "-" + (i % 37));
        }

        assertEquals(ids, roundTrip(ids));
    }

    @Test
    void anIdThatIsNotOneIsRefusedAlsoAfterAnIdWithTheSameStart() {
        for (String bad : List.of("1700-1-2", "1700-", "1700-x", "1700", "1700x1", "-1")) {
            List<String> ids = List.of("1700-1", bad);
            assertThrows(IllegalArgumentException.class, () -> roundTrip(ids), bad);
        }
    }

    private static List<String> roundTrip(List<String> ids) {
        Commit commit = new Commit(7, "orders", ids);
        ByteBuffer buffer = ByteBuffer.allocate(JournalFormat.HEADER_BYTES + JournalFormat.maxCommitBytes(commit));
        JournalFormat.header(buffer);
        JournalFormat.commit(buffer, commit, new CRC32C());
        buffer.flip();
        JournalFormat.Recovered recovered = JournalFormat.read(buffer, "test");
        assertEquals(1, recovered.records());
        return recovered.live().get(7L).ids();
    }
}
