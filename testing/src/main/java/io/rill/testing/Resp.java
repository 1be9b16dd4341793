package io.rill.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Just enough RESP to probe a server (PING, INFO) without starting a Redis client and its event loops.
 * One short-lived connection per call; simple strings, errors, integers, bulk strings and arrays of
 * them (RESP2); other reply types are not needed here and are rejected.
 */
final class Resp {

    /**
     * A reply: {@code type} is the RESP type byte ('+', '-', ':', '$', '*'), {@code text} its payload (null
     * for a nil bulk and for arrays), {@code elements} an array's elements (empty otherwise, null for a nil array).
     */
    record Reply(char type, String text, List<Reply> elements) {
        Reply(char type, String text) {
            this(type, text, List.of());
        }

        boolean isError() {
            return type == '-';
        }
    }

    private Resp() {
    }

    /** Sends {@code commands} in order on one connection and returns the reply to the last one. */
    static Reply call(String host, int port, Duration timeout, List<List<String>> commands) throws IOException {
        try (Socket socket = new Socket()) {
            int millis = (int) Math.max(1, timeout.toMillis());
            socket.connect(new InetSocketAddress(host, port), millis);
            socket.setSoTimeout(millis);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (List<String> command : commands) {
                out.write(encode(command));
            }
            out.flush();
            Reply reply = null;
            for (int i = 0; i < commands.size(); i++) {
                reply = read(in);
                if (reply.isError() && i < commands.size() - 1) {
                    return reply; // e.g. AUTH failed: the later replies mean nothing
                }
            }
            return reply;
        }
    }

    static Reply call(String host, int port, Duration timeout, String... command) throws IOException {
        return call(host, port, timeout, List.of(List.of(command)));
    }

    private static byte[] encode(List<String> command) {
        StringBuilder sb = new StringBuilder().append('*').append(command.size()).append("\r\n");
        for (String arg : command) {
            sb.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Reply read(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed before a reply");
        }
        String line = readLine(in);
        return switch (type) {
            case '+', '-', ':' -> new Reply((char) type, line);
            case '$' -> {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    yield new Reply('$', null);
                }
                byte[] body = in.readNBytes(length + 2); // payload + CRLF
                if (body.length < length + 2) {
                    throw new EOFException("truncated bulk reply");
                }
                yield new Reply('$', new String(body, 0, length, StandardCharsets.UTF_8));
            }
            case '*' -> {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    yield new Reply('*', null, null);
                }
                List<Reply> elements = new java.util.ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    elements.add(read(in));
                }
                yield new Reply('*', null, List.copyOf(elements));
            }
            default -> throw new IOException("unexpected RESP reply type '" + (char) type + "'");
        };
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("connection closed mid-reply");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    /** The value of {@code field} in an INFO reply, or null. */
    static String infoField(String info, String field) {
        String prefix = field + ":";
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
        return null;
    }
}
