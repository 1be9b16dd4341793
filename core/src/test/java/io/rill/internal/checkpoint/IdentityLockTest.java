package io.rill.internal.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Claiming consumer identities within one process; across processes see {@link CheckpointProcessTest}. */
class IdentityLockTest {

    @TempDir
    Path root;

    private static final List<String> STREAMS = List.of("orders", "refunds");

    @Test
    void aConfiguredNameIsLockedOnceAndFreeAgainAfterClose() {
        try (IdentityLock first = IdentityLock.claim(root, "billing", STREAMS, "billing-1")) {
            assertEquals("billing-1", first.consumer());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> IdentityLock.claim(root, "billing", STREAMS, "billing-1"));
            assertTrue(e.getMessage().startsWith("checkpoint.directory " + first.directory() + " is locked by "
                    + ProcessHandle.current().pid() + "@"), e.getMessage());
            assertTrue(e.getMessage().contains("this process"), e.getMessage());
            // the failed claim must not have dropped the lock the first one holds (POSIX drops a process's
            // lock when it closes any descriptor of the file): a third claim still fails
            assertThrows(IllegalStateException.class, () -> IdentityLock.claim(root, "billing", STREAMS, "billing-1"));
            // other streams, group or name: other identities
            IdentityLock.claim(root, "billing", List.of("orders"), "billing-1").close();
            IdentityLock.claim(root, "shipping", STREAMS, "billing-1").close();
            IdentityLock.claim(root, "billing", STREAMS, "billing-2").close();
        }
        IdentityLock.claim(root, "billing", STREAMS, "billing-1").close();
    }

    @Test
    void derivedNamesAreKeptAndNeverShared() throws Exception {
        String first;
        String second;
        try (IdentityLock a = IdentityLock.claim(root, "billing", STREAMS, null);
                IdentityLock b = IdentityLock.claim(root, "billing", STREAMS, null)) {
            first = a.consumer();
            second = b.consumer();
            assertTrue(first.startsWith(IdentityLock.hostName() + "-"), first);
            assertNotEquals(first, second, "two holders at once get two names");
            assertEquals(first, Files.readString(a.directory().resolve(IdentityLock.DERIVED_NAME_FILE)).strip());
        }
        // released: the names come back instead of new ones
        try (IdentityLock a = IdentityLock.claim(root, "billing", STREAMS, null);
                IdentityLock b = IdentityLock.claim(root, "billing", STREAMS, null)) {
            assertEquals(java.util.Set.of(first, second), java.util.Set.of(a.consumer(), b.consumer()));
        }
        // a configured name in the same place is never taken as a derived one
        try (IdentityLock named = IdentityLock.claim(root, "billing", STREAMS, "billing-1")) {
            named.close();
            try (IdentityLock a = IdentityLock.claim(root, "billing", STREAMS, null);
                    IdentityLock b = IdentityLock.claim(root, "billing", STREAMS, null);
                    IdentityLock c = IdentityLock.claim(root, "billing", STREAMS, null)) {
                assertTrue(c.consumer().startsWith(IdentityLock.hostName() + "-"), c.consumer());
                assertNotEquals("billing-1", a.consumer());
                assertNotEquals("billing-1", b.consumer());
            }
        }
    }

    @Test
    void namesBecomeSafeFileNames() {
        assertEquals("orders", IdentityLock.escape("orders"));
        assertEquals("orders%3A%7B0%7D", IdentityLock.escape("orders:{0}"));
        assertEquals("%2E.", IdentityLock.escape("..")); // never "." or ".."
        assertEquals("a%2Fb", IdentityLock.escape("a/b"));
        assertEquals("%C3%A9t%C3%A9", IdentityLock.escape("été"));
        String longName = IdentityLock.escape("x".repeat(500));
        assertTrue(longName.length() <= 120, longName);
        assertNotEquals(longName, IdentityLock.escape("x".repeat(501)));
    }
}
