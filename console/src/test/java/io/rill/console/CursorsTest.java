package io.rill.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

/** Page cursors: what goes to Redis is checked, and a page knows whether another follows. */
class CursorsTest {

    @Test
    void entryIdsAreCheckedBeforeTheyReachRedis() {
        assertEquals(Optional.of("1763829450123-0"), Cursors.entryId("1763829450123-0"));
        assertTrue(Cursors.entryId("+").isEmpty());
        assertTrue(Cursors.entryId("1-0 COUNT 1000000").isEmpty());
        assertTrue(Cursors.entryId("(1-0").isEmpty());
        assertTrue(Cursors.entryId(null).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> Cursors.millis("-"));
        assertEquals(1763829450123L, Cursors.millis("1763829450123-7"));
    }

    @Test
    void keyCursorsAreScanCursors() {
        assertEquals(Cursors.KeyCursor.START, Cursors.KeyCursor.parse(null));
        assertEquals(Cursors.KeyCursor.START, Cursors.KeyCursor.parse("12; FLUSHALL"));
        assertEquals(Cursors.KeyCursor.START, Cursors.KeyCursor.parse(":orders"));
        assertEquals(Cursors.KeyCursor.START, Cursors.KeyCursor.parse("1536:orders"));
        assertTrue(Cursors.KeyCursor.parse("0").start());
        assertEquals(new Cursors.KeyCursor("1536"), Cursors.KeyCursor.parse("1536"));
        assertEquals("1536", Cursors.KeyCursor.parse("1536").toString());
        assertFalse(Cursors.KeyCursor.parse("1536").start());
    }

    @Test
    void aPageReadWithOneExtraKnowsItsNextCursor() {
        Cursors.Page<String> page = Cursors.Page.of(List.of("5-0", "4-0", "3-0", "2-0"), 3, Function.identity());
        assertEquals(List.of("5-0", "4-0", "3-0"), page.items());
        assertEquals(Optional.of("3-0"), page.next()); // the next page starts after the last one shown
    }

    @Test
    void theLastPageHasNoNextCursor() {
        assertEquals(Optional.empty(), Cursors.Page.of(List.of("5-0", "4-0", "3-0"), 3, Function.identity()).next());
        assertEquals(Optional.empty(), Cursors.Page.of(List.<String>of(), 3, Function.identity()).next());
    }
}
