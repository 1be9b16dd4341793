package io.rill.internal.checkpoint;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import io.rill.internal.checkpoint.AckJournal.Commit;

/**
 * The bytes of a file journal. A file is an 8-byte header ({@code RILLACK1}) followed by records:
 * <pre>
 *   int length   bytes of type + payload, 1..MAX_RECORD
 *   int crc      CRC32C of type + payload
 *   byte type    1 = COMMIT, 2 = ACKED, 3 = PAYLOAD
 *   payload      COMMIT:  varlong seq, varint stream length, stream (UTF-8), varint n, n IDs
 *                ACKED:   varint n, n seqs (zigzag deltas, from 0)
 *                PAYLOAD: varlong seq, varint stream length, stream (UTF-8), varint n, n opaque bytes
 * </pre>
 * An ACKED record forgets COMMIT and PAYLOAD records alike: the ack journal writes COMMITs (IDs of handled
 * entries), the producer outbox PAYLOADs (entries waiting for Redis), each in a file of its own.
 * An ID {@code ms-seq} is stored as a delta to the ID before it in the record: zigzag(ms - prevMs),
 * then zigzag(seq - prevSeq) when ms did not change, else seq; about 2-3 bytes per ID instead of 15.
 * Big-endian, like the rest of Java's I/O.
 */
final class JournalFormat {

    static final byte[] MAGIC = "RILLACK1".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER_BYTES = MAGIC.length;
    static final int FRAME_BYTES = 8;
    static final int MAX_RECORD = 64 << 20;
    static final byte COMMIT = 1;
    static final byte ACKED = 2;
    static final byte PAYLOAD = 3;

    private JournalFormat() {
    }

    static void header(ByteBuffer out) {
        out.put(MAGIC);
    }

    /** An upper bound of the bytes {@link #commit} writes. */
    static int maxCommitBytes(Commit commit) {
        if (commit.payload() != null) {
            return FRAME_BYTES + 1 + 10 + 5 + commit.stream().length() * 3 + 5 + commit.payload().length;
        }
        return FRAME_BYTES + 1 + 10 + 5 + commit.stream().length() * 3 + 5 + commit.ids().size() * 20;
    }

    /** An upper bound of the bytes {@link #acked} writes. */
    static int maxAckedBytes(int commits) {
        return FRAME_BYTES + 1 + 5 + commits * 10;
    }

    static void commit(ByteBuffer out, Commit commit, CRC32C crc) {
        if (commit.payload() != null) {
            payload(out, commit, crc);
            return;
        }
        int start = begin(out, COMMIT);
        putVarLong(out, commit.seq());
        byte[] stream = commit.stream().getBytes(StandardCharsets.UTF_8);
        putVarLong(out, stream.length);
        out.put(stream);
        List<String> ids = commit.ids();
        putVarLong(out, ids.size());
        long prevMs = 0;
        long prevSeq = 0;
        String prev = null;
        int prevDash = 0;
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            int dash;
            long ms;
            // the IDs of a batch mostly share their ms part: compared as text it is not parsed again (the writer
            // thread's largest cost per entry); the same digits before a dash at the same place are the same ms
            if (prev != null && id.length() > prevDash && id.charAt(prevDash) == '-'
                    && id.regionMatches(0, prev, 0, prevDash)) {
                dash = prevDash;
                ms = prevMs;
            } else {
                dash = id.indexOf('-');
                ms = unsigned(id, 0, dash);
            }
            long seq = unsigned(id, dash + 1, id.length());
            long dms = ms - prevMs;
            putVarLong(out, zigzag(dms));
            putVarLong(out, dms == 0 ? zigzag(seq - prevSeq) : seq);
            prevMs = ms;
            prevSeq = seq;
            prev = id;
            prevDash = dash;
        }
        end(out, start, crc);
    }

    private static void payload(ByteBuffer out, Commit commit, CRC32C crc) {
        int start = begin(out, PAYLOAD);
        putVarLong(out, commit.seq());
        byte[] stream = commit.stream().getBytes(StandardCharsets.UTF_8);
        putVarLong(out, stream.length);
        out.put(stream);
        putVarLong(out, commit.payload().length);
        out.put(commit.payload());
        end(out, start, crc);
    }

    static void acked(ByteBuffer out, Collection<Commit> commits, CRC32C crc) {
        int start = begin(out, ACKED);
        putVarLong(out, commits.size());
        long prev = 0;
        for (Commit commit : commits) {
            putVarLong(out, zigzag(commit.seq() - prev));
            prev = commit.seq();
        }
        end(out, start, crc);
    }

    private static int begin(ByteBuffer out, byte type) {
        int start = out.position();
        out.position(start + FRAME_BYTES);
        out.put(type);
        return start;
    }

    private static void end(ByteBuffer out, int start, CRC32C crc) {
        int end = out.position();
        int length = end - start - FRAME_BYTES;
        crc.reset();
        crc.update(out.duplicate().position(start + FRAME_BYTES).limit(end));
        out.putInt(start, length);
        out.putInt(start + 4, (int) crc.getValue());
    }

    /** What a journal file held: the commits not acked, and where the good records end. */
    record Recovered(Map<Long, Commit> live, long nextSeq, long goodEnd, int records, boolean torn) {
    }

    /**
     * Reads a whole journal file. Stops at the first record that is cut short, fails its checksum or
     * does not parse: everything before it is kept, everything from it on is reported as torn.
     *
     * @throws IllegalStateException when the file does not start with the journal header
     */
    static Recovered read(ByteBuffer in, String file) {
        return read(in, file, new LinkedHashMap<>(), 0);
    }

    /**
     * Reads a journal file as the continuation of one read before it ({@code live} and {@code nextSeq}
     * as that read left them, {@code live} updated in place): a compaction's new file, holding the
     * older file's live commits again and everything appended since, before it replaced the older one.
     */
    static Recovered read(ByteBuffer in, String file, Map<Long, Commit> live, long nextSeq) {
        int size = in.limit();
        if (size < HEADER_BYTES) {
            // a file created and killed before its header was written: nothing in it
            return new Recovered(live, nextSeq, 0, 0, size > 0);
        }
        for (int i = 0; i < HEADER_BYTES; i++) {
            if (in.get(i) != MAGIC[i]) {
                throw new IllegalStateException("checkpoint journal " + file + " is not a Rill ack journal (no "
                        + new String(MAGIC, StandardCharsets.US_ASCII) + " header): move it away or point "
                        + "checkpoint.directory elsewhere");
            }
        }
        CRC32C crc = new CRC32C();
        int pos = HEADER_BYTES;
        int records = 0;
        boolean torn = false;
        while (pos < size) {
            if (size - pos < FRAME_BYTES) {
                torn = true;
                break;
            }
            int length = in.getInt(pos);
            int expected = in.getInt(pos + 4);
            if (length < 1 || length > MAX_RECORD || length > size - pos - FRAME_BYTES) {
                torn = true;
                break;
            }
            ByteBuffer body = in.duplicate().position(pos + FRAME_BYTES).limit(pos + FRAME_BYTES + length);
            crc.reset();
            crc.update(body.duplicate());
            if ((int) crc.getValue() != expected) {
                torn = true;
                break;
            }
            try {
                byte type = body.get();
                if (type == COMMIT || type == PAYLOAD) {
                    Commit commit = type == COMMIT ? readCommit(body) : readPayload(body);
                    live.put(commit.seq(), commit);
                    nextSeq = Math.max(nextSeq, commit.seq() + 1);
                } else if (type == ACKED) {
                    long n = getVarLong(body);
                    long seq = 0;
                    for (long i = 0; i < n; i++) {
                        seq += unzigzag(getVarLong(body));
                        live.remove(seq);
                        nextSeq = Math.max(nextSeq, seq + 1);
                    }
                } else {
                    torn = true;
                    break;
                }
                if (body.hasRemaining()) {
                    torn = true;
                    break;
                }
            } catch (BufferUnderflowException | IllegalArgumentException e) {
                torn = true;
                break;
            }
            pos += FRAME_BYTES + length;
            records++;
        }
        return new Recovered(live, nextSeq, pos, records, torn);
    }

    private static Commit readPayload(ByteBuffer body) {
        long seq = getVarLong(body);
        String stream = new String(bytes(body), StandardCharsets.UTF_8);
        return new Commit(seq, stream, List.of(), bytes(body));
    }

    private static byte[] bytes(ByteBuffer body) {
        long length = getVarLong(body);
        if (length < 0 || length > body.remaining()) {
            throw new IllegalArgumentException("a field longer than the record");
        }
        byte[] bytes = new byte[(int) length];
        body.get(bytes);
        return bytes;
    }

    private static Commit readCommit(ByteBuffer body) {
        long seq = getVarLong(body);
        int streamLength = Math.toIntExact(getVarLong(body));
        if (streamLength > body.remaining()) {
            throw new IllegalArgumentException("stream name longer than the record");
        }
        byte[] stream = new byte[streamLength];
        body.get(stream);
        long n = getVarLong(body);
        if (n > body.remaining()) { // every ID takes at least two bytes
            throw new IllegalArgumentException("more IDs than the record holds");
        }
        List<String> ids = new ArrayList<>((int) n);
        long ms = 0;
        long idSeq = 0;
        for (long i = 0; i < n; i++) {
            long dms = unzigzag(getVarLong(body));
            long s = getVarLong(body);
            ms += dms;
            idSeq = dms == 0 ? idSeq + unzigzag(s) : s;
            ids.add(Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(idSeq));
        }
        return new Commit(seq, new String(stream, StandardCharsets.UTF_8), List.copyOf(ids));
    }

    /** An unsigned decimal of a stream ID part, without allocating (IDs are up to 2^64-1). */
    private static long unsigned(String id, int from, int to) {
        if (from >= to || to - from > 20) {
            throw new IllegalArgumentException("not a stream entry ID: " + id);
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("not a stream entry ID: " + id);
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    static void putVarLong(ByteBuffer out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.put((byte) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.put((byte) value);
    }

    static long getVarLong(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }
}
