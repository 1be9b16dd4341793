package io.rill.deadletter;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.rill.internal.connect.CommandConnection;
import io.rill.internal.connect.WideCall;

/**
 * Admin view of one dead-letter stream: list what is in it, and redrive entries, that is add them back
 * to the stream they came from (as new entries, with their original fields) and delete them from the
 * dead-letter stream. Obtained from {@code Rill.deadLetters(stream)}; thread-safe; calls block until
 * Redis answers.
 *
 * <p>Each redrive is one atomic script that re-reads the dead letter first, so a redrive repeated
 * (by a second operator, or by the client after a lost reply) never adds an entry twice. The script
 * copies the fields inside Redis, byte for byte, however many there are.
 */
public final class DeadLetters {

    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
    private static final int PAGE = 100;

    /**
     * KEYS[1] source stream, KEYS[2] dead-letter stream; ARGV[1] dead letter ID, ARGV[2..] metadata field names.
     * Returns the new entry's ID, or false when the dead letter is gone.
     */
    private static final String REDRIVE = WideCall.FUNCTION + """
            local e = redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1])
            if #e == 0 then return false end
            local skip = {}
            for i = 2, #ARGV do skip[ARGV[i]] = true end
            local body = e[1][2]
            local add = {'XADD', KEYS[1], '*'}
            for i = 1, #body, 2 do
              if not skip[body[i]] then
                add[#add + 1] = body[i]
                add[#add + 1] = body[i + 1]
              end
            end
            if #add == 3 then return redis.error_reply('ERR dead letter ' .. ARGV[1] .. ' has no original fields') end
            local id = call_wide(add)
            redis.call('XDEL', KEYS[2], ARGV[1])
            return id
            """;

    private final CommandConnection connection;
    private final String stream;

    public DeadLetters(CommandConnection connection, String stream) {
        this.connection = connection;
        this.stream = Objects.requireNonNull(stream, "stream");
    }

    /** The dead-letter stream's key. */
    public String stream() {
        return stream;
    }

    /** Dead letters in the stream now. */
    public long size() {
        return await(connection.async().xlen(stream));
    }

    /** The oldest dead letters, at most {@code max}. */
    public List<DeadLetter> list(int max) {
        return list("-", "+", max);
    }

    /**
     * Dead letters with IDs from {@code fromId} to {@code toId} (both included; {@code -} and {@code +} for
     * the ends), oldest first, at most {@code max}. Entries that are not Rill dead letters are left out.
     */
    public List<DeadLetter> list(String fromId, String toId, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be >= 1, was " + max);
        }
        List<DeadLetter> letters = new ArrayList<>();
        for (StreamMessage<String, String> m : await(connection.async().xrange(stream, range(fromId, toId), Limit.from(max)))) {
            DeadLetter letter = DeadLetter.of(m.getId(), m.getBody());
            if (letter != null) {
                letters.add(letter);
            }
        }
        return letters;
    }

    /** Redrives every dead letter in the stream; returns how many went back. */
    public long redriveAll() {
        return redrive("-", "+");
    }

    /**
     * Redrives the dead letters with IDs from {@code fromId} to {@code toId} (both included; {@code -} and
     * {@code +} for the ends): each is added to its source stream as a new entry with its original fields
     * and deleted from the dead-letter stream. Entries that are not Rill dead letters stay.
     *
     * @return how many went back
     */
    public long redrive(String fromId, String toId) {
        long moved = 0;
        long skipped = 0;
        Range<String> range = range(fromId, toId);
        while (true) {
            List<StreamMessage<String, String>> page = await(connection.async().xrange(stream, range, Limit.from(PAGE)));
            if (page.isEmpty()) {
                break;
            }
            List<RedisFuture<String>> replies = new ArrayList<>(page.size());
            for (StreamMessage<String, String> m : page) {
                DeadLetter letter = DeadLetter.of(m.getId(), m.getBody());
                if (letter == null) {
                    skipped++;
                    continue;
                }
                String[] args = new String[DeadLetter.METADATA.size() + 1];
                args[0] = m.getId();
                for (int i = 0; i < DeadLetter.METADATA.size(); i++) {
                    args[i + 1] = DeadLetter.METADATA.get(i);
                }
                replies.add(connection.async().eval(REDRIVE, ScriptOutputType.VALUE, new String[] { letter.stream(), stream }, args));
            }
            for (RedisFuture<String> reply : replies) {
                if (await(reply) != null) {
                    moved++;
                }
            }
            if (page.size() < PAGE) {
                break;
            }
            range = Range.from(Range.Boundary.excluding(page.get(page.size() - 1).getId()), range.getUpper());
        }
        log.info("Redrove {} dead letters from {}{}", moved, stream, skipped > 0 ? " (" + skipped + " entries without Rill metadata left)" : "");
        return moved;
    }

    private static Range<String> range(String fromId, String toId) {
        Objects.requireNonNull(fromId, "fromId");
        Objects.requireNonNull(toId, "toId");
        return Range.create(fromId, toId);
    }

    private static <T> T await(RedisFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Redis", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new CompletionException(cause);
        }
    }
}
