package io.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * Positions: the ID Redis is given is the one right before the position's first entry (XGROUP CREATE and
 * SETID take the last delivered ID), so that an entry at the position itself is read; a time is the ID
 * {@code <ms>-0}; what configuration accepts, and what it rejects with a message naming the forms.
 */
class StartPositionTest {

    @Test
    void latestAndEarliestAreDollarAndZero() {
        assertEquals("$", StartPosition.LATEST.id());
        assertEquals("0", StartPosition.EARLIEST.id());
        assertEquals("latest", StartPosition.LATEST.toString());
        assertEquals("earliest", StartPosition.EARLIEST.toString());
    }

    @Test
    void anIdPositionHandsRedisTheIdRightBeforeIt() {
        assertEquals("1700000000000-4", StartPosition.at("1700000000000-5").id());
        // sequence 0: the last possible ID of the millisecond before
        assertEquals("1699999999999-18446744073709551615", StartPosition.at("1700000000000-0").id());
        assertEquals("1699999999999-18446744073709551615", StartPosition.at("1700000000000").id());
        assertEquals("0-0", StartPosition.at("0-1").id());
        assertEquals("0", StartPosition.at("0-0").id());
        assertEquals("18446744073709551615-18446744073709551614", StartPosition.at("18446744073709551615-18446744073709551615").id());
        assertEquals("1700000000000-0", StartPosition.at("1700000000000").toString());
        assertEquals(StartPosition.at("1700000000000-0"), StartPosition.at("1700000000000"));
        assertEquals(Optional.empty(), StartPosition.at("1-0").time());
    }

    @Test
    void aTimeIsTheIdOfItsMillisecondWithSequenceZero() {
        Instant time = Instant.parse("2026-11-30T10:00:00.123456Z"); // within a millisecond: from its start
        StartPosition at = StartPosition.at(time);
        long ms = Instant.parse("2026-11-30T10:00:00.123Z").toEpochMilli();
        assertEquals(StartPosition.at(ms + "-0").id(), at.id());
        assertEquals((ms - 1) + "-18446744073709551615", at.id());
        assertEquals("2026-11-30T10:00:00.123Z", at.toString());
        assertEquals(Optional.of(Instant.ofEpochMilli(ms)), at.time());
        assertEquals("0", StartPosition.at(Instant.EPOCH).id());
    }

    @Test
    void parseReadsEveryFormAndToStringGivesItBack() {
        assertSame(StartPosition.EARLIEST, StartPosition.parse("earliest"));
        assertSame(StartPosition.EARLIEST, StartPosition.parse(" EARLIEST "));
        assertSame(StartPosition.LATEST, StartPosition.parse("Latest"));
        assertEquals(StartPosition.at("1700000000000-5"), StartPosition.parse("1700000000000-5"));
        assertEquals(StartPosition.at("1700000000000-0"), StartPosition.parse("1700000000000"));
        assertEquals(StartPosition.at(Instant.parse("2026-11-30T10:00:00Z")), StartPosition.parse("2026-11-30T10:00:00Z"));
        assertEquals(StartPosition.at(Instant.parse("2026-11-30T10:00:00Z")), StartPosition.parse("2026-11-30T11:00:00+01:00"));
        for (StartPosition p : new StartPosition[] { StartPosition.LATEST, StartPosition.EARLIEST,
                StartPosition.at("1700000000000-5"), StartPosition.at(Instant.parse("2026-11-30T10:00:00.250Z")) }) {
            assertEquals(p, StartPosition.parse(p.toString()), "round trip of " + p);
        }
    }

    @Test
    void badValuesAreRejectedNamingTheForms() {
        for (String bad : new String[] { "yesterday", "$", ">", "0-", "-1", "12-ab", "2026-11-30", "2026-11-30T10:00:00",
                "1700000000000-0-1" }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StartPosition.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("start-position must be earliest, latest, an entry ID"), e.getMessage());
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StartPosition.parse(" "));
        assertTrue(e.getMessage().startsWith("start-position must be"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StartPosition.at("18446744073709551616-0"));
        assertTrue(e.getMessage().contains("64 bits"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StartPosition.at("$"));
        assertTrue(e.getMessage().startsWith("start-position ID must be <ms>-<seq>"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StartPosition.at(Instant.parse("1969-12-31T23:59:59Z")));
        assertTrue(e.getMessage().startsWith("start-position time must not be before 1970"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StartPosition.at((String) null));
        assertThrows(IllegalArgumentException.class, () -> StartPosition.at((Instant) null));
    }
}
