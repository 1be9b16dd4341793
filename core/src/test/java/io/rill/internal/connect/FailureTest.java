package io.rill.internal.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;

/** How Redis errors are told apart (semantics 10): READONLY is its own case, neither fatal nor NOGROUP. */
class FailureTest {

    private static RedisCommandExecutionException reply(String message) {
        return new RedisCommandExecutionException(message);
    }

    @Test
    void readOnlyRepliesAreRecognisedAlsoInsideAScriptErrorAndAFuture() {
        assertTrue(Failure.readOnly(reply("READONLY You can't write against a read only replica.")));
        assertTrue(Failure.readOnly(new CompletionException(reply("READONLY You can't write against a read only replica."))));
        assertTrue(Failure.readOnly(reply("ERR Error running script (call to f_x): @user_script:5: "
                + "@user_script: 5: -READONLY You can't write against a read only replica.")));
        assertFalse(Failure.readOnly(reply("NOPERM this user has no permissions to run the 'xack' command")));
        assertFalse(Failure.readOnly(new RedisConnectionException("connection lost")));
        // retried with a new connection, never fatal by itself
        assertEquals(Failure.TRANSIENT, Failure.of(reply("READONLY You can't write against a read only replica.")));
    }
}
