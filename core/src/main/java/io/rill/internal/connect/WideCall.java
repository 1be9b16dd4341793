package io.rill.internal.connect;

import java.util.StringJoiner;

/**
 * A Lua function for scripts that run a command with an argument list of any length, such as the XADD
 * that copies an entry of thousands of fields: {@code call_wide(t)} is {@code redis.call} with the values
 * of the table {@code t} as its arguments, and returns what it returns.
 *
 * <p>Why not {@code redis.call(unpack(t))}: the Lua 5.1 of Redis lets one {@code unpack} return at most
 * 8,000 values (its C stack limit, {@code LUAI_MAXCSTACK}), so on Redis 7.0 the XADD of an entry with
 * more than 3,998 fields failed with "too many results to unpack", and such an entry could never be
 * dead-lettered. A Lua call expands only its last argument expression, and a vararg call is not bound by
 * that limit, so the list is grown from its end: one {@code unpack} gives the last {@value #FIRST}
 * values, then each step passes {@value #STEP} more in front of those gathered so far ({@code ...}).
 * Each step copies what was gathered, so the cost grows with the square of the width: measured on
 * Redis 7.0, 5,000 fields take about 10 ms and 100,000 fields about 0.4 s; below 3,500 fields it is the
 * one {@code unpack} it always was.
 */
public final class WideCall {

    /** Values the first {@code unpack} takes: below 8,000 with room for the call's own stack slots. */
    static final int FIRST = 7000;
    /** Values each step adds; a Lua function has at most 250 registers. */
    static final int STEP = 100;

    public static final String FUNCTION = function();

    private WideCall() {
    }

    private static String function() {
        StringJoiner step = new StringJoiner(", ");
        for (int k = 1; k <= STEP; k++) {
            step.add("t[j + " + k + "]");
        }
        return """
                local function call_wide(t)
                  local n = #t
                  if n <= %1$d then return redis.call(unpack(t)) end
                  local function grow(i, ...)
                    if i == 0 then return redis.call(...) end
                    if i < %2$d then return grow(i - 1, t[i], ...) end
                    local j = i - %2$d
                    return grow(j, %3$s, ...)
                  end
                  return grow(n - %1$d, unpack(t, n - %1$d + 1, n))
                end
                """.formatted(FIRST, STEP, step);
    }
}
