package io.rill.internal.admit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.StreamMessage;
import io.rill.internal.connect.EntryCodec;

/**
 * Decodes the entries of a script's reply: {@code {id, {field, value, ...} or nil}} each, with their
 * delivery counts. Read with {@link EntryCodec}, a script reply holds every bulk string as bytes: IDs and
 * field names are decoded as UTF-8 here, values stay the arrays Lettuce made.
 */
public final class Entries {

    private Entries() {
    }

    /**
     * Appends the entries and their counts.
     *
     * @param entries the entries as Redis returned them (a nil body for an entry deleted under the PEL)
     * @param counts  the delivery count of each, in the same order
     */
    public static void decode(String stream, List<?> entries, List<?> counts, List<StreamMessage<String, byte[]>> messages,
            List<Long> deliveries) {
        for (int i = 0; i < entries.size(); i++) {
            List<?> entry = (List<?>) entries.get(i);
            Object body = entry.size() > 1 ? entry.get(1) : null;
            Map<String, byte[]> fields;
            if (body instanceof List<?> pairs) {
                fields = new LinkedHashMap<>((int) (pairs.size() / 2 / 0.75f) + 1);
                for (int j = 0; j + 1 < pairs.size(); j += 2) {
                    fields.put(EntryCodec.text(pairs.get(j)), (byte[]) pairs.get(j + 1));
                }
            } else {
                fields = Map.of(); // a nil body (an entry deleted under the PEL): the settlement acks it unhandled
            }
            messages.add(new StreamMessage<>(stream, EntryCodec.text(entry.get(0)), fields));
            deliveries.add(i < counts.size() ? (Long) counts.get(i) : 0L);
        }
    }
}
