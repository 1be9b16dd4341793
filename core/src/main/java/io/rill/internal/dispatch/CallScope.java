package io.rill.internal.dispatch;

import java.util.List;

import org.slf4j.MDC;

import io.rill.LogContext;
import io.rill.StreamEntry;

/**
 * What surrounds every handler call on a worker thread: the {@link LogContext} keys in the MDC, put
 * before the call and removed after it, whatever the handler did with the MDC meanwhile.
 */
final class CallScope {

    private final String group;
    private final String consumer;

    CallScope(String group, String consumer) {
        this.group = group;
        this.consumer = consumer;
    }

    /** Before a call on one entry. */
    void open(StreamEntry entry) {
        MDC.put(LogContext.STREAM, entry.stream());
        MDC.put(LogContext.GROUP, group);
        MDC.put(LogContext.CONSUMER, consumer);
        MDC.put(LogContext.ENTRY_ID, entry.id());
        if (entry.deliveryCount().isPresent()) {
            MDC.put(LogContext.DELIVERY_COUNT, Long.toString(entry.deliveryCount().getAsLong()));
        }
    }

    /** Before a call on a batch: the first entry's ID and delivery count, and the batch's size. */
    void open(List<StreamEntry> batch) {
        open(batch.get(0));
        MDC.put(LogContext.BATCH_SIZE, Integer.toString(batch.size()));
    }

    /** After a call. */
    void close() {
        MDC.remove(LogContext.STREAM);
        MDC.remove(LogContext.GROUP);
        MDC.remove(LogContext.CONSUMER);
        MDC.remove(LogContext.ENTRY_ID);
        MDC.remove(LogContext.DELIVERY_COUNT);
        MDC.remove(LogContext.BATCH_SIZE);
    }
}
