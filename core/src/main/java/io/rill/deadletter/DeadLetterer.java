package io.rill.deadletter;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.rill.DeadLetterOptions;
import io.rill.StreamEntry;
import io.rill.connect.CommandConnection;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.window.InFlightWindow;

/**
 * Moves an entry that keeps failing to its dead-letter stream (semantics 7): XADD of its fields plus
 * the metadata ({@link DeadLetter} names the fields) and XACK of the original, as one atomic script.
 *
 * <p>A script rather than MULTI/EXEC, for two reasons. The script first checks that the entry is still
 * pending for this consumer, so running it twice writes one dead letter: Lettuce re-sends commands
 * whose reply a dropped connection lost, and a replayed MULTI/XADD/XACK/EXEC would add a second copy
 * when the first had committed. And MULTI/EXEC on the command connection, which acks of every
 * subscription share, would pull their XACKs into the transaction. Redis runs a script atomically and
 * writes its effects to the AOF and replicas wrapped in MULTI/EXEC, so a crash keeps both or neither.
 *
 * <p>The entry keeps its in-flight slot until Redis answers. When the script fails (Redis away), the slot
 * is given back and the entry stays pending: it is claimed again and, having more deliveries than
 * allowed, dead-lettered on arrival.
 */
public final class DeadLetterer {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterer.class);
    /** Error messages longer than this are cut, so one huge message cannot bloat the dead-letter stream. */
    static final int MAX_MESSAGE_LENGTH = 4096;

    /**
     * KEYS[1] source stream, KEYS[2] dead-letter stream; ARGV[1] group, ARGV[2] consumer, ARGV[3] entry ID,
     * ARGV[4] MAXLEN (0: none), ARGV[5..] field/value pairs. The delivery count comes from the PEL itself.
     * Returns 1 (moved), 0 (no longer pending: acked or moved already), -1 (pending for another consumer).
     */
    private static final String MOVE = """
            local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
            if #p == 0 then return 0 end
            if p[1][2] ~= ARGV[2] then return -1 end
            local add = {'XADD', KEYS[2]}
            if ARGV[4] ~= '0' then
              add[#add + 1] = 'MAXLEN'
              add[#add + 1] = '~'
              add[#add + 1] = ARGV[4]
            end
            add[#add + 1] = '*'
            for i = 5, #ARGV do add[#add + 1] = ARGV[i] end
            add[#add + 1] = 'rill.deliveries'
            add[#add + 1] = tostring(p[1][4])
            redis.call(unpack(add))
            redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
            return 1
            """;

    /** Why an entry is dead-lettered; recorded in its {@code rill.reason} field. */
    public enum Reason {
        /** Its last attempt failed and it has had {@code max-deliveries} deliveries. */
        ATTEMPTS_EXHAUSTED("attempts-exhausted"),
        /** Its handler threw an error the retry options call non-retryable. */
        NON_RETRYABLE("non-retryable"),
        /** It arrived (history read, claim) with more than {@code max-deliveries} deliveries. */
        DELIVERIES_EXCEEDED("deliveries-exceeded");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final DeadLetterOptions options;
    private final String group;
    private final String consumer;
    private final CommandConnection connection;
    private final InFlightWindow window;
    private final SubscriptionMetrics metrics;
    private final String description;
    private int outstanding;

    public DeadLetterer(DeadLetterOptions options, String group, String consumer, CommandConnection connection,
            InFlightWindow window, SubscriptionMetrics metrics, String description) {
        this.options = options;
        this.group = group;
        this.consumer = consumer;
        this.connection = connection;
        this.window = window;
        this.metrics = metrics;
        this.description = description;
    }

    /**
     * Moves the entry, asynchronously; its in-flight slot is given back when Redis has answered.
     *
     * @param error the last error, or null when the entry was not handled this time
     */
    public void deadLetter(StreamEntry entry, Throwable error, Reason reason) {
        String dlq = options.streamFor(entry.stream());
        List<String> args = new ArrayList<>(entry.fields().size() * 2 + 20);
        args.add(group);
        args.add(consumer);
        args.add(entry.id());
        args.add(Long.toString(options.maxLength()));
        for (Map.Entry<String, String> field : entry.fields().entrySet()) {
            args.add(field.getKey());
            args.add(field.getValue());
        }
        add(args, DeadLetter.STREAM, entry.stream());
        add(args, DeadLetter.ID, entry.id());
        add(args, DeadLetter.GROUP, group);
        add(args, DeadLetter.CONSUMER, consumer);
        add(args, DeadLetter.REASON, reason.label());
        if (error != null) {
            add(args, DeadLetter.ERROR, error.getClass().getName());
            String message = String.valueOf(error.getMessage());
            add(args, DeadLetter.MESSAGE, message.length() > MAX_MESSAGE_LENGTH ? message.substring(0, MAX_MESSAGE_LENGTH) : message);
        }
        add(args, DeadLetter.TIME, Instant.now().toString());
        synchronized (this) {
            outstanding++;
        }
        RedisFuture<Long> reply;
        try {
            reply = connection.async().eval(MOVE, ScriptOutputType.INTEGER, new String[] { entry.stream(), dlq },
                    args.toArray(new String[0]));
        } catch (RuntimeException e) {
            done(entry, dlq, reason, null, e);
            return;
        }
        reply.whenComplete((result, failure) -> done(entry, dlq, reason, result, failure));
    }

    private static void add(List<String> args, String name, String value) {
        args.add(name);
        args.add(value);
    }

    private void done(StreamEntry entry, String dlq, Reason reason, Long result, Throwable failure) {
        try {
            if (failure != null) {
                log.warn("Could not dead-letter {} {} to {} for {}; it stays pending and is dead-lettered when it "
                        + "arrives again: {}", entry.stream(), entry.id(), dlq, description, failure.toString());
            } else if (result == 1) {
                metrics.stream(entry.stream()).deadLettered(1);
                log.warn("Dead-lettered {} {} to {} for {} ({}{})", entry.stream(), entry.id(), dlq, description,
                        reason.label(), entry.deliveryCount().isPresent() ? ", delivery " + entry.deliveryCount().getAsLong() : "");
            } else if (result == -1) {
                log.info("Not dead-lettering {} {} for {}: another consumer claimed it meanwhile", entry.stream(),
                        entry.id(), description);
            } else {
                log.debug("Not dead-lettering {} {} for {}: no longer pending (moved or acked already)", entry.stream(),
                        entry.id(), description);
            }
        } finally {
            window.release(entry);
            synchronized (this) {
                outstanding--;
                notifyAll();
            }
        }
    }

    /** Waits until every dead letter sent so far has been answered; true when none is left. */
    public synchronized boolean awaitDone(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (outstanding > 0) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
        }
        return true;
    }
}
