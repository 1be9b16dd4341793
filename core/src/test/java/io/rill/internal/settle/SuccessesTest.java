package io.rill.internal.settle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import io.rill.StreamEntry;

/** A worker's gathered successes (semantics 2): each reaches the acks exactly once, whoever hands it on. */
class SuccessesTest {

    private static List<StreamEntry> entries(int n) {
        List<StreamEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            entries.add(StreamEntry.of("orders", "1-" + i, Map.of()));
        }
        return entries;
    }

    @Test
    void runsLeaveAtTheFlushSizeAndTheRestWhenTheUnitCloses() {
        List<List<StreamEntry>> byWorker = new ArrayList<>();
        List<List<StreamEntry>> byFlush = new ArrayList<>();
        List<Successes> closed = new ArrayList<>();
        Successes successes = new Successes(run -> byFlush.add(List.copyOf(run)), run -> byWorker.add(List.copyOf(run)),
                closed::add, 3, 8);
        List<StreamEntry> all = entries(8);
        all.subList(0, 7).forEach(successes::add);
        assertEquals(List.of(all.subList(0, 3), all.subList(3, 6)), byWorker, "two full runs, the seventh waits");
        successes.handOn(); // a flush takes the seventh: its run goes where a flush's runs go
        assertEquals(List.of(all.subList(6, 7)), byFlush);

        successes.add(all.get(7));
        successes.close();
        assertEquals(List.of(successes), closed);
        successes.handOnByWorker(); // the close's owner hands the rest on; doing it twice hands nothing twice
        successes.handOnByWorker();
        successes.handOn();
        assertEquals(List.of(all.subList(0, 3), all.subList(3, 6), all.subList(7, 8)), byWorker);
        assertEquals(List.of(all.subList(6, 7)), byFlush);
    }

    @Test
    void aFlushOnAnotherThreadTakesWhatGatheredAndNothingTwice() throws Exception {
        int n = 200_000;
        List<StreamEntry> all = entries(n);
        List<List<StreamEntry>> handed = new CopyOnWriteArrayList<>();
        Successes successes = new Successes(run -> handed.add(List.copyOf(run)), run -> handed.add(List.copyOf(run)),
                Successes::handOnByWorker, Integer.MAX_VALUE, n);
        AtomicBoolean done = new AtomicBoolean();
        Thread flusher = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                successes.handOn(); // the interval flush, as often as it can
            }
        });
        all.forEach(successes::add); // never full: only the flusher and the close hand on
        done.set(true);
        flusher.join();
        successes.close();

        List<StreamEntry> seen = new ArrayList<>();
        handed.forEach(seen::addAll);
        assertEquals(all, seen, "every success once, in order, however the runs fell");
    }
}
