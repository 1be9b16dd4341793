package io.rill.internal.dispatch;

import java.util.List;
import java.util.stream.IntStream;

import org.slf4j.MDC;

import io.rill.LogContext;
import io.rill.StreamEntry;
import io.rill.tracing.Tracing;

/**
 * What surrounds every handler call on a worker thread: the {@link LogContext} keys in the MDC, put
 * before the call and removed after it, whatever the handler did with the MDC meanwhile; and, when
 * tracing is on, the consumer span of the call, current on the thread until the call returns.
 */
final class CallScope {

    private final String group;
    private final String consumer;
    /** Null when tracing is off: the only cost it has then. */
    private final Tracing tracing;

    CallScope(String group, String consumer, Tracing tracing) {
        this.group = group;
        this.consumer = consumer;
        this.tracing = tracing == null || !tracing.enabled() ? null : tracing;
    }

    /**
     * Before a call on one entry. Returns the call's span for {@link #close}, null when tracing is off
     * (returned, not kept: workers of one subscription share this scope).
     */
    Tracing.Call open(StreamEntry entry) {
        mdc(entry);
        return tracing == null ? null : tracing.consume(entry, group, consumer);
    }

    private void mdc(StreamEntry entry) {
        MDC.put(LogContext.STREAM, entry.stream());
        MDC.put(LogContext.GROUP, group);
        MDC.put(LogContext.CONSUMER, consumer);
        MDC.put(LogContext.ENTRY_ID, entry.id());
        if (entry.deliveryCount().isPresent()) {
            MDC.put(LogContext.DELIVERY_COUNT, count(entry.deliveryCount().getAsLong()));
        }
    }

    /** Delivery counts as text; the usual ones from a table, so a call allocates no string for its count. */
    private static final String[] COUNTS = IntStream.rangeClosed(0, 32)
            .mapToObj(Integer::toString).toArray(String[]::new);

    static String count(long count) {
        return count >= 0 && count < COUNTS.length ? COUNTS[(int) count] : Long.toString(count);
    }

    /** Before a call on a batch: the first entry's ID and delivery count, and the batch's size. */
    Tracing.Call open(List<StreamEntry> batch) {
        mdc(batch.get(0));
        MDC.put(LogContext.BATCH_SIZE, Integer.toString(batch.size()));
        return tracing == null ? null : tracing.consume(batch, group, consumer);
    }

    /** After a call that returned ({@code error} null) or threw {@code error}; {@code call} is what open returned. */
    void close(Tracing.Call call, Throwable error) {
        if (call != null) {
            call.end(error);
        }
        MDC.remove(LogContext.STREAM);
        MDC.remove(LogContext.GROUP);
        MDC.remove(LogContext.CONSUMER);
        MDC.remove(LogContext.ENTRY_ID);
        MDC.remove(LogContext.DELIVERY_COUNT);
        MDC.remove(LogContext.BATCH_SIZE);
    }
}
