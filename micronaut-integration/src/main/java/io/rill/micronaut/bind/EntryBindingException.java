package io.rill.micronaut.bind;

import io.rill.StreamEntry;

/**
 * An entry could not be bound to a listener method's parameters: a field is missing or malformed, or the
 * body does not deserialize. It fails the entry like an exception of the method would (the entry stays
 * pending; retries and dead letters treat it like any failure), and its message names the entry, the
 * parameter and the reason.
 */
public final class EntryBindingException extends RuntimeException {

    private final transient StreamEntry entry;

    public EntryBindingException(StreamEntry entry, String message, Throwable cause) {
        super("cannot bind " + entry.stream() + " " + entry.id() + ": " + message, cause);
        this.entry = entry;
    }

    /** The entry that could not be bound. */
    public StreamEntry entry() {
        return entry;
    }
}
