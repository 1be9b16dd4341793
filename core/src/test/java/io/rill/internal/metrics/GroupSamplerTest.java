package io.rill.internal.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The ages of the group gauges (design: observability) come from the entries' IDs. */
class GroupSamplerTest {

    @Test
    void anAgeIsTheTimeSinceRedisAddedTheEntry() {
        assertEquals(500, GroupSampler.age("1000-7", 1500));
        assertEquals(500, GroupSampler.age("1000", 1500), "an ID without a sequence");
    }

    @Test
    void noEntryOrOneFromTheFutureIsNoAge() {
        assertEquals(0, GroupSampler.age(null, 1500));
        assertEquals(0, GroupSampler.age("2000-0", 1500), "a clock behind Redis's shows no age, not a negative one");
    }
}
