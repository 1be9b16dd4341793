package io.rill.spring;

import io.rill.StreamEntry;

/**
 * An entry could not be bound to a listener method's parameters: a field is missing or malformed, or the
 * body does not deserialize. It fails the entry like an exception of the method would, except that it is
 * not retried by default: a value that did not bind will not bind on the next attempt either, so the
 * entry goes to the failure policy at once (dead-lettered with reason {@code non-retryable} when dead
 * letters are on). Naming this class in {@code retry.retryable} opts a group back in to retries.
 *
 * <p>Its message names the entry (stream and ID), the field or parameter, and the target type, never
 * the value (at most its length): entries may carry personal data, and this message goes to logs and to
 * the dead letter's {@code rill.error-message}. For the same reason the parser's or converter's exception
 * is kept as a cause only with its type and stack trace, its message withheld (such messages quote the
 * offending input).
 */
public final class EntryBindingException extends RuntimeException {

    /** How deep a cause chain is copied without messages. */
    private static final int MAX_CAUSES = 8;

    private final transient StreamEntry entry;

    /**
     * @param message says what could not be bound, naming fields and types but never a value
     * @param cause   the parser's or converter's error, or null; kept without its message
     */
    public EntryBindingException(StreamEntry entry, String message, Throwable cause) {
        super("cannot bind " + entry.stream() + " " + entry.id() + ": " + message, withheld(cause, 0));
        this.entry = entry;
    }

    /** The entry that could not be bound. */
    public StreamEntry entry() {
        return entry;
    }

    /** Describes a value without showing it, for messages: {@code 12 characters}. */
    public static String length(String value) {
        return value.length() + (value.length() == 1 ? " character" : " characters");
    }

    private static Throwable withheld(Throwable cause, int depth) {
        if (cause == null || depth >= MAX_CAUSES) {
            return null;
        }
        return new WithheldCause(cause, withheld(cause.getCause() == cause ? null : cause.getCause(), depth + 1));
    }

    /** Stands in for a parser's or converter's exception: its type and stack trace, not its message. */
    static final class WithheldCause extends RuntimeException {
        WithheldCause(Throwable original, Throwable cause) {
            super(original.getClass().getName() + " (its message is withheld: it may quote the entry's data)", cause);
            setStackTrace(original.getStackTrace());
        }
    }
}
