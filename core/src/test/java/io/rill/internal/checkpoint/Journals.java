package io.rill.internal.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.rill.internal.checkpoint.AckJournal.Commit;

/** Reads journal files the way recovery does, without changing them: what a test may inspect. */
final class Journals {

    private Journals() {
    }

    /** What recovery would find in the file now, and in the file of a rewrite not yet in its place. */
    static JournalFormat.Recovered read(Path file) {
        try {
            JournalFormat.Recovered state = JournalFormat.read(ByteBuffer.wrap(Files.readAllBytes(file)), file.toString());
            Path rewrite = FileAckJournal.rewriteFileOf(file);
            if (Files.isRegularFile(rewrite)) {
                state = JournalFormat.read(ByteBuffer.wrap(Files.readAllBytes(rewrite)), rewrite.toString(),
                        state.live(), state.nextSeq());
            }
            return state;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The IDs journaled and not yet known acked, over all streams. */
    static Set<String> unackedIds(Path file) {
        Set<String> ids = new HashSet<>();
        if (Files.exists(file)) {
            for (Commit commit : read(file).live().values()) {
                ids.addAll(commit.ids());
            }
        }
        return ids;
    }

    /** The journal file of one identity, as {@link IdentityLock} lays it out. */
    static Path file(Path root, String group, List<String> streams, String consumer) {
        return root.resolve(IdentityLock.escape(group)).resolve(IdentityLock.escape(String.join(",", streams)))
                .resolve(IdentityLock.escape(consumer)).resolve("journal");
    }
}
