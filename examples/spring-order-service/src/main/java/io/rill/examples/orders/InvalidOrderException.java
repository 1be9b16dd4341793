package io.rill.examples.orders;

/** An order billing refuses: its entry fails, is retried, and ends in {@code orders:dlq}. */
public class InvalidOrderException extends IllegalArgumentException {

    public InvalidOrderException(String message) {
        super(message);
    }
}
