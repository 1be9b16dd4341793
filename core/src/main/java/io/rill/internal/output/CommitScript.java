package io.rill.internal.output;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.rill.Output;
import io.rill.internal.connect.WideCall;

/**
 * The commit of handled inputs of one stream with their outputs (semantics 12, ADR 0020): one Lua script
 * call per batch. For each input it XACKs first and writes the input's outputs only when XACK returned 1,
 * so an input already acknowledged (a commit whose answer was lost and that Lettuce or Rill sent again, a
 * commit of another consumer that handled the same entry after a reclaim, a dead-letter move) writes
 * nothing a second time. Redis runs a script whole and writes its effects to the AOF and to replicas as one
 * MULTI/EXEC, so a crash keeps all of a batch or none of it.
 *
 * <p>Before its first write the script checks that every output key is a stream or absent: a write that
 * fails halfway would leave the writes before it (Redis does not roll a script back), so the one error
 * a script can foresee is caught before anything is written and answered as {@code {-1, key index}}.
 *
 * <p>Layout: KEYS[1] input stream, KEYS[2] its failure records, KEYS[3..] the output streams (distinct).
 * ARGV[1] group, then per input: ID, forget ('1' removes its failure record), output count, then per
 * output: key index, trim ('', 'MAXLEN', 'MINID'), '~' or '=', threshold, field count n, then n names and
 * n values interleaved. Answer: {@code {inputs whose XACK was 1, inputs already acknowledged}}.
 */
public final class CommitScript {

    public static final String SOURCE = WideCall.FUNCTION + """
            for k = 3, #KEYS do
              local t = redis.call('TYPE', KEYS[k])['ok']
              if t ~= 'stream' and t ~= 'none' then return {-1, k} end
            end
            local g, i, done, skipped = ARGV[1], 2, 0, 0
            while i <= #ARGV do
              local acked = redis.call('XACK', KEYS[1], g, ARGV[i])
              if ARGV[i + 1] == '1' then redis.call('HDEL', KEYS[2], ARGV[i]) end
              local outs = tonumber(ARGV[i + 2])
              i = i + 3
              for o = 1, outs do
                local n = tonumber(ARGV[i + 4])
                if acked == 1 then
                  local add = {'XADD', KEYS[tonumber(ARGV[i])]}
                  if ARGV[i + 1] ~= '' then
                    add[#add + 1] = ARGV[i + 1]
                    add[#add + 1] = ARGV[i + 2]
                    add[#add + 1] = ARGV[i + 3]
                  end
                  add[#add + 1] = '*'
                  for f = i + 5, i + 4 + 2 * n do add[#add + 1] = ARGV[f] end
                  call_wide(add)
                end
                i = i + 5 + 2 * n
              end
              if acked == 1 then done = done + 1 else skipped = skipped + 1 end
            end
            return {done, skipped}
            """;

    public static final String SHA = sha1(SOURCE);

    private static final byte[] EMPTY = new byte[0];
    private static final byte[] ONE = { '1' };
    private static final byte[] ZERO = { '0' };

    /** Keys and arguments of one script call. */
    public record Call(List<byte[]> keys, List<byte[]> args, List<String> outputStreams) {
    }

    private CommitScript() {
    }

    /** The keys and arguments committing these inputs, all of {@code stream}, in their order. */
    public static Call of(String stream, String failureKey, String group, List<Commit> commits) {
        Map<String, Integer> keyIndex = new LinkedHashMap<>();
        List<byte[]> args = new ArrayList<>(1 + commits.size() * 4);
        args.add(utf8(group));
        for (Commit commit : commits) {
            args.add(utf8(commit.input().id()));
            args.add(commit.forgetFailures() ? ONE : ZERO);
            args.add(utf8(Integer.toString(commit.outputs().size())));
            for (Output output : commit.outputs()) {
                int index = keyIndex.computeIfAbsent(output.stream(), k -> keyIndex.size() + 3);
                args.add(utf8(Integer.toString(index)));
                args.add(output.trim() == Output.Trim.NONE ? EMPTY : utf8(output.trim().name()));
                args.add(output.trim() == Output.Trim.NONE ? EMPTY : utf8(output.exactTrimming() ? "=" : "~"));
                args.add(output.threshold().map(CommitScript::utf8).orElse(EMPTY));
                args.add(utf8(Integer.toString(output.fields().size())));
                output.fields().forEach((name, value) -> {
                    args.add(utf8(name));
                    args.add(value);
                });
            }
        }
        List<byte[]> keys = new ArrayList<>(2 + keyIndex.size());
        keys.add(utf8(stream));
        keys.add(utf8(failureKey));
        keyIndex.keySet().forEach(k -> keys.add(utf8(k)));
        return new Call(keys, args, List.copyOf(keyIndex.keySet()));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String sha1(String source) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(utf8(source)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-1
        }
    }
}
