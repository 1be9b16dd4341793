package io.rill.internal.dispatch;

import java.util.List;
import java.util.stream.IntStream;

import org.slf4j.MDC;

import io.rill.LogContext;
import io.rill.StreamEntry;
import io.rill.tracing.Tracing;

/**
 * What surrounds every handler call on a worker thread: the {@link LogContext} keys in the MDC, there for
 * every call whatever the handler did with the MDC in the call before; and, when tracing is on, the consumer
 * span of the call, current on the thread until the call returns.
 *
 * <p>The keys stay between the calls of a worker's unit of work (the entries it took at once) and go when it
 * ends ({@link #clear}): a call puts only what changed, checked against what the MDC holds. With a backend
 * that keeps the MDC each put and remove is a thread-local lookup and a map update, and putting five keys and
 * removing six around every call cost Logback about 120-200 ns (ad hoc), more than the rest of a worker's
 * work per entry under a backlog.
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
        keep(LogContext.STREAM, entry.stream());
        keep(LogContext.GROUP, group);
        keep(LogContext.CONSUMER, consumer);
        MDC.put(LogContext.ENTRY_ID, entry.id()); // differs from call to call
        if (entry.deliveryCount().isPresent()) {
            keep(LogContext.DELIVERY_COUNT, count(entry.deliveryCount().getAsLong()));
        } else if (MDC.get(LogContext.DELIVERY_COUNT) != null) {
            MDC.remove(LogContext.DELIVERY_COUNT); // the call before had one
        }
    }

    /** Puts the value unless the MDC holds it already (from the call before; a handler may have changed it). */
    private static void keep(String key, String value) {
        if (!value.equals(MDC.get(key))) {
            MDC.put(key, value);
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

    /**
     * After a call that returned ({@code error} null) or threw {@code error}; {@code call} is what open returned.
     * The MDC keys stay for the next call of the unit of work (and for what Rill logs about this one meanwhile).
     */
    void close(Tracing.Call call, Throwable error) {
        if (call != null) {
            call.end(error);
        }
    }

    /** After a worker's unit of work: Rill's keys leave the MDC (keys of the handler's own stay). */
    void clear() {
        MDC.remove(LogContext.STREAM);
        MDC.remove(LogContext.GROUP);
        MDC.remove(LogContext.CONSUMER);
        MDC.remove(LogContext.ENTRY_ID);
        MDC.remove(LogContext.DELIVERY_COUNT);
        MDC.remove(LogContext.BATCH_SIZE);
    }
}
