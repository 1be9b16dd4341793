package io.rill.internal.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.ScriptOutputType;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;
import io.rill.testing.WithRedis;

/**
 * {@link WideCall#FUNCTION} runs a command with any number of arguments: an XADD of n fields through it
 * writes all n in order. Around 4,000 fields is where a single {@code unpack} stops (semantics 7: dead
 * letters are copied whatever the entry's width); the other widths cross the function's step boundaries.
 */
@WithRedis
class WideCallTest {

    /** Builds an entry of ARGV[1] fields with call_wide and returns how many fields XRANGE finds in order. */
    private static final String ADD = WideCall.FUNCTION + """
            local n = tonumber(ARGV[1])
            local add = {'XADD', KEYS[1], '*'}
            for i = 1, n do
              add[#add + 1] = 'f' .. i
              add[#add + 1] = 'v' .. i
            end
            local id = call_wide(add)
            local body = redis.call('XRANGE', KEYS[1], id, id)[1][2]
            for i = 1, n do
              if body[2 * i - 1] ~= 'f' .. i or body[2 * i] ~= 'v' .. i then return -i end
            end
            return #body / 2
            """;

    private final RedisFixture redis;

    WideCallTest(RedisServer server) {
        this.redis = new RedisFixture(server);
    }

    @AfterEach
    void close() {
        redis.close();
    }

    @Test
    void anXaddOfAnyWidthWritesEveryFieldInOrder() {
        String stream = RedisFixture.unique("wide");
        // XADD, key and * plus two per field: 3,498 fields is the widest of a single unpack, 3,499 leaves one value
        // for a single step, 3,550 one step of 100 and three single ones; a plain unpack stops after 3,998
        for (long fields : List.of(1L, 3_498L, 3_499L, 3_550L, 3_998L, 3_999L, 5_000L, 20_000L)) {
            Long found = redis.commands().eval(ADD, ScriptOutputType.INTEGER, new String[] { stream }, Long.toString(fields));
            assertEquals(fields, found, "fields written in order for a width of " + fields);
        }
    }
}
