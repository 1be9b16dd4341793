package io.rill.internal.connect;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;

/**
 * A subscription over a Redis Cluster reads its streams with XREADGROUP, which takes keys of one hash
 * slot only: streams of several slots are read by one subscription per slot, each on the slot's master,
 * shown to the caller as one {@link Composite}.
 */
public final class SlotGroups {

    private SlotGroups() {
    }

    /**
     * The subscription's options split by hash slot, in the order the streams were given; one element when
     * they share a slot.
     *
     * @throws IllegalArgumentException when a stream's dead-letter stream lies in another slot (the failure
     *                                  script moves an entry to it in one step), or when the streams span
     *                                  several slots and the consumer name is left to be derived
     */
    public static List<SubscriptionOptions> split(SubscriptionOptions options) {
        Map<Integer, List<String>> bySlot = new LinkedHashMap<>();
        for (String stream : options.streams()) {
            int slot = ClusterConnector.slot(stream);
            String deadLetters = options.deadLetter().streamFor(stream);
            if (options.deadLetter().enabled() && ClusterConnector.slot(deadLetters) != slot) {
                throw new IllegalArgumentException("stream '" + stream + "' (hash slot " + slot + ") and its dead-letter "
                        + "stream '" + deadLetters + "' (slot " + ClusterConnector.slot(deadLetters) + ") lie in different "
                        + "hash slots of the cluster; Rill moves a failed entry to its dead-letter stream in one script, which "
                        + "Redis Cluster allows within one slot only. Give the stream a hash tag (e.g. '{" + stream + "}', whose "
                        + "dead letters go to '{" + stream + "}" + ":dlq'), or set dead-letter.stream to a name with the "
                        + "stream's hash tag (or turn dead-letter.enabled off)");
            }
            bySlot.computeIfAbsent(slot, s -> new ArrayList<>()).add(stream);
        }
        if (bySlot.size() == 1) {
            return List.of(options);
        }
        if (options.consumer() == null) {
            throw new IllegalArgumentException("streams " + options.streams() + " lie in " + bySlot.size() + " hash slots "
                    + "of the cluster, read by one subscription per slot, which needs the consumer name given: set "
                    + "consumer (a name derived in checkpoint.directory belongs to one set of streams)");
        }
        return bySlot.values().stream().map(streams -> options.toBuilder().streams(streams).build()).toList();
    }

    /** The subscriptions of one slot each, as one. */
    public static final class Composite implements Subscription {

        private final SubscriptionOptions options;
        private final List<Subscription> parts;
        private final String id;

        public Composite(SubscriptionOptions options, List<Subscription> parts) {
            this.options = options;
            this.parts = List.copyOf(parts);
            this.id = options.group() + "/" + options.consumer() + "/" + String.join(",", options.streams());
        }

        /** The subscriptions it is made of, one per hash slot. */
        public List<Subscription> parts() {
            return parts;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public SubscriptionOptions options() {
            return options;
        }

        /** FAILED if one part failed; else the least advanced of the parts (STARTING before RECOVERING before RUNNING). */
        @Override
        public SubscriptionState state() {
            return worst().state();
        }

        @Override
        public Instant stateSince() {
            return worst().stateSince();
        }

        @Override
        public Optional<Throwable> lastError() {
            Subscription worst = worst();
            return worst.lastError().isPresent() ? worst.lastError()
                    : parts.stream().map(Subscription::lastError).flatMap(Optional::stream).findFirst();
        }

        @Override
        public int inFlight() {
            return parts.stream().mapToInt(Subscription::inFlight).sum();
        }

        @Override
        public void pause() {
            parts.forEach(Subscription::pause);
        }

        @Override
        public void resume() {
            parts.forEach(Subscription::resume);
        }

        @Override
        public boolean paused() {
            return parts.stream().allMatch(Subscription::paused);
        }

        /** Stops the parts side by side, so that the slowest, not the sum, bounds the wait. */
        @Override
        public void close(Duration timeout) {
            List<Thread> stoppers = parts.stream()
                    .map(part -> Thread.ofPlatform().name("rill-stop-" + part.id()).start(() -> part.close(timeout)))
                    .toList();
            for (Thread stopper : stoppers) {
                try {
                    stopper.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        private Subscription worst() {
            return parts.stream().max(Comparator.comparingInt(p -> rank(p.state()))).orElseThrow();
        }

        private static int rank(SubscriptionState state) {
            return switch (state) {
                case RUNNING -> 0;
                case RECOVERING -> 2;
                case STARTING -> 3;
                case STOPPING -> 4;
                case STOPPED -> 5;
                case FAILED -> 6;
            };
        }

        @Override
        public String toString() {
            return "Subscription[" + id + ", " + parts.size() + " slots]";
        }
    }
}
