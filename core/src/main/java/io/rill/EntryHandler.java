package io.rill;

/**
 * Handles one entry at a time. Returning normally means the entry is done and will be acknowledged;
 * throwing leaves it pending in Redis (see the retry and dead-letter options for what happens next).
 */
@FunctionalInterface
public interface EntryHandler {

    void handle(StreamEntry entry) throws Exception;
}
