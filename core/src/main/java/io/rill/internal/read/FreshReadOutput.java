package io.rill.internal.read;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.output.CommandOutput;
import io.rill.StreamEntry;
import io.rill.internal.connect.EntryCodec;

/**
 * Decodes the reply of an XREADGROUP {@code >} straight into {@link StreamEntry}s (first deliveries, count 1),
 * on Lettuce's event loop. Lettuce's own output builds a {@code StreamMessage} with a growing map per entry
 * and decodes each ID through a charset decoder; in the throughput profile that was a quarter of the read
 * connection's decoding. Here an ID is copied as Latin-1 (IDs are ASCII digits), a one-field entry gets a
 * one-entry map, and a larger one a map sized for its fields.
 *
 * <p>The reply is followed by what each aggregate announces, not by nesting depth, so RESP2 (an array of
 * {@code [stream, entries]} pairs) and RESP3 (a map of stream to entries) decode alike: the first bulk
 * string of a stream's part is its key, the aggregate after it holds its entries, each entry is an ID and
 * an aggregate of field names and values (nil for an entry deleted under the PEL, which a {@code >} read
 * does not return, decoded as no fields).
 */
final class FreshReadOutput extends CommandOutput<String, byte[], List<StreamEntry>> {

    private enum Next {
        /** A stream's key; aggregates before it (the reply, a RESP2 pair) carry nothing to keep. */
        STREAM,
        /** The aggregate of a stream's entries. */
        ENTRIES,
        /** An entry's aggregate: its ID and its fields. */
        ENTRY,
        ID,
        /** The aggregate of an entry's field names and values, or nil. */
        FIELDS,
        FIELD
    }

    private static final int MAX_ID_LENGTH = 41; // two unsigned 64-bit numbers and the dash

    private Next next = Next.STREAM;
    private String stream;
    private String id;
    private int entriesLeft;
    private int fieldsLeft;
    private String name;
    /** Null until the only field of a one-field entry is read. */
    private Map<String, byte[]> fields;
    private final byte[] scratch = new byte[MAX_ID_LENGTH];
    /** The output, sized per stream by the count Redis announces (not by COUNT: a read may bring one entry). */
    private final ArrayList<StreamEntry> entries;

    FreshReadOutput() {
        this(new ArrayList<>());
    }

    private FreshReadOutput(ArrayList<StreamEntry> entries) {
        super(EntryCodec.INSTANCE, entries);
        this.entries = entries;
    }

    @Override
    public void multi(int count) {
        switch (next) {
            case ENTRIES -> {
                entriesLeft = count;
                entries.ensureCapacity(entries.size() + Math.max(0, count));
                next = count > 0 ? Next.ENTRY : Next.STREAM;
            }
            case ENTRY -> next = Next.ID;
            case FIELDS -> {
                if (count <= 0) {
                    entry(Map.of());
                } else {
                    fieldsLeft = count;
                    fields = count > 2 ? new LinkedHashMap<>((int) (count / 2 / 0.75f) + 1) : null;
                    next = Next.FIELD;
                }
            }
            default -> {
                // STREAM: the reply's own aggregate, or a RESP2 [stream, entries] pair
            }
        }
    }

    @Override
    public void set(ByteBuffer bytes) {
        switch (next) {
            case STREAM -> {
                if (bytes != null) { // nil: nothing arrived within BLOCK
                    stream = codec.decodeKey(bytes);
                    next = Next.ENTRIES;
                }
            }
            case ID -> {
                id = ascii(bytes);
                next = Next.FIELDS;
            }
            case FIELDS -> entry(Map.of()); // nil: the entry is gone, only its ID is left
            case FIELD -> field(bytes);
            default -> throw new IllegalStateException("XREADGROUP reply: a bulk string where " + next + " was expected");
        }
    }

    private void field(ByteBuffer bytes) {
        if (name == null) {
            name = codec.decodeKey(bytes);
        } else {
            byte[] value = codec.decodeValue(bytes);
            if (fields == null) {
                fields = Map.of(name, value); // the only field
            } else {
                fields.put(name, value); // a repeated name keeps its last value, as Lettuce's map does
            }
            name = null;
        }
        if (--fieldsLeft == 0) {
            entry(fields);
        }
    }

    private void entry(Map<String, byte[]> body) {
        entries.add(StreamEntry.ofBytes(stream, id, body, 1));
        id = null;
        name = null;
        fields = null;
        next = --entriesLeft > 0 ? Next.ENTRY : Next.STREAM;
    }

    private String ascii(ByteBuffer bytes) {
        int length = bytes.remaining();
        byte[] into = length <= scratch.length ? scratch : new byte[length];
        bytes.get(bytes.position(), into, 0, length);
        return new String(into, 0, length, StandardCharsets.ISO_8859_1);
    }
}
