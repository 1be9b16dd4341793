package io.rill;

/**
 * The SLF4J MDC keys Rill sets on the worker thread for every handler call, so that what a handler logs can
 * be told apart by entry: a log pattern with {@code %X{rill.entry.id}} prints it. Each call has its own values,
 * whatever the call before did to them; the keys stay between the calls of a worker's unit of work (the entries
 * it took at once) and are removed when it ends. A batch handler's call has the first entry's ID and delivery
 * count, and the batch's size.
 */
public final class LogContext {

    public static final String STREAM = "rill.stream";
    public static final String GROUP = "rill.group";
    public static final String CONSUMER = "rill.consumer";
    public static final String ENTRY_ID = "rill.entry.id";
    /** The entry's delivery count, when known (see {@link StreamEntry#deliveryCount()}). */
    public static final String DELIVERY_COUNT = "rill.delivery.count";
    /** Batch handler calls only: how many entries the call got. */
    public static final String BATCH_SIZE = "rill.batch.size";

    private LogContext() {
    }
}
