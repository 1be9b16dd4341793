package io.rill.internal.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.rill.CheckpointOptions;
import io.rill.DeadLetterOptions;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.SubscriptionState;

/** Semantics 13: how a subscription over a cluster is split by hash slot, and what the split shows as one. */
class SlotGroupsTest {

    private static SubscriptionOptions.Builder options(String... streams) {
        return SubscriptionOptions.builder().streams(streams).group("g").consumer("c");
    }

    @Test
    void streamsOfOneSlotStayOneSubscription() {
        SubscriptionOptions same = options("{orders}:eu", "{orders}:us").build();
        assertSame(same, SlotGroups.split(same).getFirst());
        assertEquals(1, SlotGroups.split(same).size());
    }

    @Test
    void streamsOfSeveralSlotsSplitInTheOrderGiven() {
        // partitions 1 and 2 (slots 9842, 5649) and {x}
        List<SubscriptionOptions> parts = SlotGroups.split(options("o:{1}", "o:{2}", "p:{1}").build());
        assertEquals(List.of(List.of("o:{1}", "p:{1}"), List.of("o:{2}")), parts.stream().map(SubscriptionOptions::streams).toList());
        assertEquals("c", parts.get(1).consumer());
    }

    @Test
    void aDeadLetterStreamInAnotherSlotIsRefusedUnlessDeadLettersAreOff() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> SlotGroups.split(options("orders").build()));
        assertTrue(error.getMessage().contains("'{orders}'") && error.getMessage().contains("dead-letter.stream"),
                error.getMessage());
        assertEquals(1, SlotGroups.split(options("orders").deadLetter(DeadLetterOptions.builder().enabled(false).build())
                .build()).size());
        assertEquals(1, SlotGroups.split(options("orders").deadLetter(DeadLetterOptions.builder().stream("{orders}:dead")
                .build()).build()).size());
    }

    @Test
    void severalSlotsNeedTheConsumerNameGiven() {
        SubscriptionOptions derived = SubscriptionOptions.builder().streams("o:{1}", "o:{2}").group("g")
                .checkpoint(CheckpointOptions.builder().directory(Path.of("/tmp/rill-never-opened")).build()).build();
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> SlotGroups.split(derived));
        assertTrue(error.getMessage().contains("set consumer"), error.getMessage());
    }

    @Test
    void theCompositeShowsItsLeastAdvancedPart() {
        Part running = new Part(SubscriptionState.RUNNING, 3);
        Part recovering = new Part(SubscriptionState.RECOVERING, 4);
        SlotGroups.Composite composite = new SlotGroups.Composite(options("o:{1}", "o:{2}").build(), List.of(running, recovering));
        assertEquals(SubscriptionState.RECOVERING, composite.state());
        assertEquals(7, composite.inFlight());
        assertEquals("g/c/o:{1},o:{2}", composite.id());
        composite.pause();
        assertTrue(composite.paused());
        composite.close(Duration.ZERO);
        assertEquals(SubscriptionState.STOPPED, composite.state());
    }

    /** A part with a fixed state until it is closed. */
    private static final class Part implements Subscription {
        private volatile SubscriptionState state;
        private final int inFlight;
        private volatile boolean paused;

        Part(SubscriptionState state, int inFlight) {
            this.state = state;
            this.inFlight = inFlight;
        }

        @Override
        public String id() {
            return "part";
        }

        @Override
        public SubscriptionOptions options() {
            return SlotGroupsTest.options("o:{1}").build();
        }

        @Override
        public SubscriptionState state() {
            return state;
        }

        @Override
        public Instant stateSince() {
            return Instant.EPOCH;
        }

        @Override
        public Optional<Throwable> lastError() {
            return Optional.empty();
        }

        @Override
        public int inFlight() {
            return inFlight;
        }

        @Override
        public void pause() {
            paused = true;
        }

        @Override
        public void resume() {
            paused = false;
        }

        @Override
        public boolean paused() {
            return paused;
        }

        @Override
        public void close(Duration timeout) {
            state = SubscriptionState.STOPPED;
        }
    }
}
