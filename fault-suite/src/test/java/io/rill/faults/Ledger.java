package io.rill.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a scenario wrote and what became of it: the IDs the test produced, split by what the test itself
 * wrote into them (poison or valid), how often the consumers reported each as handled, and the dead
 * letters found in the dead-letter stream. An entry is settled once it was handled or dead-lettered.
 * Thread-safe: consumers' output pumps and the test thread write here at the same time.
 */
final class Ledger {

    /** One entry of the dead-letter stream, as far as the verdict needs it. */
    record DeadLetterSeen(String id, String originalId, String reason, String poisonField, String failures,
            String deliveries) {
    }

    private final Set<String> valid = ConcurrentHashMap.newKeySet();
    private final Set<String> poison = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> handled = new ConcurrentHashMap<>();
    private final Set<String> settled = ConcurrentHashMap.newKeySet();
    private final List<DeadLetterSeen> deadLetters = new ArrayList<>(); // guarded by this
    private final AtomicLong poisonAttempts = new AtomicLong();

    /** The test wrote entry {@code id}, with {@code poison=1} when {@code isPoison}. */
    void produced(String id, boolean isPoison) {
        (isPoison ? poison : valid).add(id);
    }

    /** A consumer's handler finished {@code id} (an {@code H} line). */
    void handled(String id) {
        handled.merge(id, 1, Integer::sum);
        settled.add(id);
    }

    /** A consumer's handler threw for {@code id} (a {@code P} line). */
    void poisonAttempt(String id) {
        poisonAttempts.incrementAndGet();
    }

    synchronized void deadLettered(DeadLetterSeen letter) {
        deadLetters.add(letter);
        settled.add(letter.originalId());
    }

    int produced() {
        return valid.size() + poison.size();
    }

    /** Entries handled or dead-lettered at least once. */
    int settled() {
        return settled.size();
    }

    /** Up to {@code n} entries produced and not settled, the first in text order. */
    List<String> unsettled(int n) {
        TreeSet<String> ids = new TreeSet<>(valid);
        ids.addAll(poison);
        ids.removeAll(settled);
        return ids.stream().limit(n).toList();
    }

    synchronized List<DeadLetterSeen> deadLetters() {
        return List.copyOf(deadLetters);
    }

    Set<String> valid() {
        return Set.copyOf(valid);
    }

    Set<String> poison() {
        return Set.copyOf(poison);
    }

    /** Handled IDs with how often each was handled. */
    Map<String, Integer> handledCounts() {
        return Map.copyOf(handled);
    }

    long poisonAttempts() {
        return poisonAttempts.get();
    }

    /** The figures of a finished scenario. */
    Figures figures() {
        Map<String, Integer> counts = handledCounts();
        int duplicates = 0;
        long extraRuns = 0;
        for (String id : valid) {
            int n = counts.getOrDefault(id, 0);
            if (n > 1) {
                duplicates++;
                extraRuns += n - 1;
            }
        }
        Set<String> validDead = new TreeSet<>();
        Map<String, Integer> poisonDead = new TreeMap<>();
        Map<String, Integer> reasons = new TreeMap<>();
        int poisonLetters = 0;
        Range failures = new Range();
        Range deliveries = new Range();
        for (DeadLetterSeen letter : deadLetters()) {
            reasons.merge(String.valueOf(letter.reason()), 1, Integer::sum);
            if (valid.contains(letter.originalId())) {
                validDead.add(letter.originalId());
            } else if (poison.contains(letter.originalId())) {
                poisonLetters++;
                poisonDead.merge(letter.originalId(), 1, Integer::sum);
                failures.add(letter.failures());
                deliveries.add(letter.deliveries());
            }
        }
        return new Figures(produced(), poison.size(), duplicates, extraRuns, validDead, poisonLetters,
                poisonDead.size(), reasons, poisonAttempts.get(), failures.toString(), deliveries.toString());
    }

    /** The smallest and largest value of a numeric dead-letter field; {@code n/a} when it was never there. */
    private static final class Range {
        private long min = Long.MAX_VALUE;
        private long max = Long.MIN_VALUE;

        void add(String value) {
            if (value == null) {
                return;
            }
            try {
                long n = Long.parseLong(value);
                min = Math.min(min, n);
                max = Math.max(max, n);
            } catch (NumberFormatException e) {
                // not a number: ignored
            }
        }

        @Override
        public String toString() {
            return min > max ? "n/a" : min + ".." + max;
        }
    }

    /**
     * @param duplicates          valid entries handled more than once
     * @param extraRuns           handler runs beyond the first, over all valid entries
     * @param validDeadLettered   valid entries found in the dead-letter stream
     * @param poisonDeadLetters   dead letters of poison entries (a poison entry moved twice counts twice)
     * @param poisonDeadLettered  poison entries with at least one dead letter
     * @param reasons             dead letters by {@code rill.reason}
     * @param poisonAttempts      handler calls that threw for a poison entry
     * @param poisonFailures      the range of {@code rill.failures} over the poison dead letters
     * @param poisonDeliveries    the range of {@code rill.deliveries} over the poison dead letters
     */
    record Figures(int entries, int poison, int duplicates, long extraRuns, Set<String> validDeadLettered,
            int poisonDeadLetters, int poisonDeadLettered, Map<String, Integer> reasons, long poisonAttempts,
            String poisonFailures, String poisonDeliveries) {
    }
}
