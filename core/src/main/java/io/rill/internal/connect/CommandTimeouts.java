package io.rill.internal.connect;

import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandType;

/**
 * Checks a client's command timeouts against a subscription's blocking reads. Rill gives its read
 * connection a timeout of block-timeout plus a margin, which Lettuce honours unless the client's
 * {@link TimeoutOptions} expire every command after a fixed time: then a read idling for block-timeout
 * would expire first, and the subscription would go RECOVERING at every quiet moment.
 */
public final class CommandTimeouts {

    /** How much longer than a read's BLOCK a fixed command timeout must be: the reply needs time to come back. */
    static final Duration MARGIN = Duration.ofMillis(500);

    private CommandTimeouts() {
    }

    /** @throws IllegalArgumentException naming both settings when a fixed timeout would cut reads short */
    public static void check(ClientOptions client, Duration blockTimeout) {
        TimeoutOptions timeouts = client.getTimeoutOptions();
        if (!timeouts.isTimeoutCommands() || timeouts.isApplyConnectionTimeout()) {
            return; // no expiry, or the connection's own timeout, which Rill sets for its reads
        }
        long timeout = timeouts.getSource().getTimeout(new Command<>(CommandType.XREADGROUP, null));
        if (timeout <= 0) {
            return;
        }
        Duration expiry = Duration.of(timeout, timeouts.getSource().getTimeUnit().toChronoUnit());
        if (expiry.compareTo(blockTimeout.plus(MARGIN)) < 0) {
            throw new IllegalArgumentException("block-timeout (" + blockTimeout + ") must be at least " + MARGIN
                    + " shorter than the fixed command timeout of the RedisClient's TimeoutOptions (" + expiry
                    + "): a read waiting that long for new entries would time out, again and again. Lower "
                    + "block-timeout, or build the client with TimeoutOptions.enabled() (without a duration: Rill then "
                    + "gives its reads a timeout of their own) or a longer fixed timeout");
        }
    }
}
