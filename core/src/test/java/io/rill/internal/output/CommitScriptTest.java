package io.rill.internal.output;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.rill.Output;
import io.rill.StreamEntry;

/** The layout of one batched commit (semantics 12): many inputs, their outputs, one script call. */
class CommitScriptTest {

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void manyInputsAndTheirOutputsGoInOneCallWithEachOutputStreamOnce() {
        StreamEntry a = StreamEntry.of("orders", "1-0", Map.of("n", "1"));
        StreamEntry b = StreamEntry.of("orders", "2-0", Map.of("n", "2"));
        StreamEntry c = StreamEntry.of("orders", "3-0", Map.of("n", "3"));
        byte[] raw = { 0, (byte) 0xff, 10 };
        List<Commit> commits = List.of(
                new Commit(a, List.of(Output.to("invoices").field("x", "1").maxLen(100).build(),
                        Output.to("audit").field("y", raw).minId("5-1").exactTrimming().build()), false),
                new Commit(b, List.of(), true),
                new Commit(c, List.of(Output.to("invoices").field("x", "3").build()), false));
        CommitScript.Call call = CommitScript.of("orders", "{orders}:rill:failures:g", "g", commits);

        assertEquals(List.of("orders", "{orders}:rill:failures:g", "invoices", "audit"), call.keys().stream().map(CommitScriptTest::s).toList());
        assertEquals(List.of("invoices", "audit"), call.outputStreams());
        List<byte[]> args = call.args();
        List<String> text = args.stream().map(CommitScriptTest::s).toList();
        assertEquals(List.of("g",
                "1-0", "0", "2",
                "3", "MAXLEN", "~", "100", "1", "x", "1",
                "4", "MINID", "=", "5-1", "1", "y", s(raw),
                "2-0", "1", "0",
                "3-0", "0", "1",
                "3", "", "", "", "1", "x", "3"), text);
        assertArrayEquals(raw, args.get(17), "binary values passed as they are");
    }

    @Test
    void theShaIsTheScriptsSha1() {
        assertEquals(40, CommitScript.SHA.length());
    }
}
