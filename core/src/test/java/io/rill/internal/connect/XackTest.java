package io.rill.internal.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** An XACK laid out by Rill is byte for byte the one Lettuce would write (semantics 2: acks go out as XACK). */
class XackTest {

    static List<Object[]> commands() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add("1700000000000-" + i);
        }
        return List.of(
                new Object[] { "s", "g", List.of("1-0") },
                new Object[] { "{orders}:eu", "billing", List.of("1700000000000-0", "1700000000000-1", "18446744073709551615-18446744073709551615") },
                new Object[] { "strøm", "grüppe", List.of("1-0") },
                // not IDs Redis would take, but whatever a caller acks must reach Redis as its UTF-8 bytes
                new Object[] { "s", "g", List.of("1-0", "ı-0", "2-0", "") },
                new Object[] { "s", "g", many });
    }

    @ParameterizedTest
    @MethodSource("commands")
    void encodesAsLettuceDoes(String stream, String group, List<String> ids) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).addKey(stream).add(group);
        ids.forEach(args::add);
        ByteBuf expected = Unpooled.buffer();
        new Command<>(CommandType.XACK, new IntegerOutput<>(StringCodec.UTF8), args).encode(expected);

        Xack xack = new Xack(stream, group, ids.toArray(new String[0]));
        ByteBuf actual = Unpooled.directBuffer(1); // grows, as Lettuce's does
        xack.encode(actual);
        xack.encode(actual); // a replay after a reconnect writes the same again

        String once = expected.toString(StandardCharsets.UTF_8);
        assertEquals(once + once, actual.toString(StandardCharsets.UTF_8));
        assertEquals(CommandType.XACK, xack.getType());
        assertEquals(stream, StringCodec.UTF8.decodeKey(xack.getArgs().getFirstEncodedKey()), "routed by its key");
    }

    @Test
    void noIdIsNoCommand() {
        assertThrows(IllegalArgumentException.class, () -> Xack.send(null, "s", "g", new String[0]));
    }
}
