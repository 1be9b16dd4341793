package io.rill.read;

import io.lettuce.core.api.sync.RedisCommands;

/**
 * Periodic work the read thread does between two reads, on the read connection: reclaiming stale
 * entries, cleaning up dead consumers. Running there keeps the read thread the only one that admits
 * entries to the in-flight window, and makes the work's Redis errors the read loop's (backoff,
 * reconnect, history read). A task runs at most one block-timeout late.
 */
public interface ReadLoopTask {

    /** Does the task's work when it is due; returns quickly otherwise. Redis errors are thrown. */
    void runIfDue(RedisCommands<String, String> commands) throws InterruptedException;
}
