package io.rill.spring;

import java.util.List;

import io.rill.StreamEntry;

/**
 * A listener method failed on some entries: it threw, its entries could not be bound to its parameters
 * ({@link EntryBindingException} as the cause), or its {@link SendTo} output could not be written. Handed to
 * {@link RedisStreamListenerExceptionHandler}; the cause is the original error.
 */
public final class RedisStreamListenerException extends RuntimeException {

    private final transient Object listener;
    private final String method;
    private final transient List<StreamEntry> entries;

    public RedisStreamListenerException(Object listener, String method, List<StreamEntry> entries, Throwable cause) {
        super(method + " failed on " + describe(entries) + ": " + cause, cause);
        this.listener = listener;
        this.method = method;
        this.entries = List.copyOf(entries);
    }

    /** The listener bean. */
    public Object listener() {
        return listener;
    }

    /** The method, as {@code com.example.Billing#onOrder}. */
    public String method() {
        return method;
    }

    /** The entries that failed: one, or those of a batch. */
    public List<StreamEntry> entries() {
        return entries;
    }

    private static String describe(List<StreamEntry> entries) {
        StreamEntry first = entries.get(0);
        return entries.size() == 1 ? first.stream() + " " + first.id()
                : entries.size() + " entries from " + first.stream() + " " + first.id();
    }
}
