package io.rill.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.rill.console.ConsoleRedis.Entry;
import io.rill.console.ConsoleRedis.GroupInfo;
import io.rill.console.ConsoleRedis.StreamInfo;

/** The pages escape what Redis holds, and hide the actions when read-only. */
class PagesTest {

    static final String EVIL = "<img src=x onerror=alert(1)>\"'";

    static Pages pages(boolean readOnly) {
        return new Pages("/console", readOnly, 5, "tok", new LagHistory(Duration.ofMinutes(15)), 1_800_000_000_000L);
    }

    static StreamInfo evilStream() {
        return new StreamInfo(EVIL + ":dlq", 1, "1-0", "1-0", List.of("rill.stream", "rill.id"),
                List.of(new GroupInfo(EVIL, 1, 1, "0-0", 1L, 5L)), null);
    }

    static Entry evilEntry() {
        return new Entry("1-0", List.of(Map.entry(EVIL, EVIL.getBytes(StandardCharsets.UTF_8)),
                Map.entry("rill.stream", EVIL.getBytes(StandardCharsets.UTF_8)),
                Map.entry("rill.error", EVIL.getBytes(StandardCharsets.UTF_8)),
                Map.entry("bin", new byte[] { 0, (byte) 0xfe })));
    }

    @Test
    void nothingFromRedisIsWrittenRaw() {
        String overview = pages(false).overview(new ConsoleRedis.StreamPage(List.of(evilStream()), null), null, EVIL, EVIL);
        String stream = pages(false).stream(evilStream(), new Cursors.Page<>(List.of(evilEntry()), Optional.empty()), null, true, null);
        String entry = pages(false).entry(EVIL, evilEntry(), true, null);
        for (String page : List.of(overview, stream, entry)) {
            assertFalse(page.contains("<img"), page);
            assertFalse(page.contains("onerror=alert(1)>\""), page);
            assertTrue(page.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;"), page);
        }
        assertTrue(entry.contains("00 fe"), entry);
    }

    @Test
    void readOnlyPagesHaveNoForms() {
        String stream = pages(true).stream(evilStream(), new Cursors.Page<>(List.of(evilEntry()), Optional.empty()), null, true, null);
        assertFalse(stream.contains("<form method=\"post\""), stream);
        assertTrue(stream.contains("read-only"), stream);
        String writable = pages(false).stream(evilStream(), new Cursors.Page<>(List.of(evilEntry()), Optional.empty()), null, true, null);
        assertTrue(writable.contains("<form method=\"post\""), writable);
        assertTrue(writable.contains("name=\"csrf\" value=\"tok\""), writable);
    }

    @Test
    void durationsForPeople() {
        assertEquals("850 ms", Pages.duration(850));
        assertEquals("12.3 s", Pages.duration(12_300));
        assertEquals("4 min 5 s", Pages.duration(245_000));
        assertEquals("3 h 2 min", Pages.duration(3 * 3_600_000 + 120_000));
        assertEquals("2 d 4 h", Pages.duration(2 * 86_400_000L + 4 * 3_600_000));
    }
}
