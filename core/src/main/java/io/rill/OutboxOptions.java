package io.rill;

import java.nio.file.Path;
import java.time.Duration;

import io.rill.CheckpointOptions.Fsync;

/**
 * A producer's outbox: a local append-only journal every publish is written to before it is sent, so that
 * entries published while Redis is unreachable wait on disk (surviving a crash of the process) and are sent
 * in order, each with its idempotency key, when Redis is back. Off unless a {@code directory} is set.
 * Immutable; built and validated by {@link #builder()}. Names in messages are the configuration keys
 * ({@code outbox.max-entries}, ...).
 *
 * @param directory     the outbox directory; null for no outbox
 * @param identity      the producer's name in the directory (its own locked subdirectory)
 * @param maxEntries    entries held not yet confirmed by Redis; a publish beyond fails
 * @param maxBytes      bytes of entries held not yet confirmed by Redis; a publish beyond fails
 * @param fsync         when a journal write is forced to the disk (as for the ack journal)
 * @param fsyncInterval with {@link Fsync#INTERVAL}, the longest a written entry waits for its fsync
 */
public record OutboxOptions(Path directory, String identity, int maxEntries, long maxBytes, Fsync fsync,
        Duration fsyncInterval) {

    /** No outbox: a publish goes straight to Redis and fails while Redis is unreachable. */
    public static final OutboxOptions OFF = builder().build();

    public OutboxOptions {
        OptionTable.OUTBOX_DIRECTORY.check(directory);
        OptionTable.OUTBOX_IDENTITY.check(identity);
        OptionTable.OUTBOX_MAX_ENTRIES.check(maxEntries);
        OptionTable.OUTBOX_MAX_BYTES.check(maxBytes);
        OptionTable.OUTBOX_FSYNC.check(fsync);
        OptionTable.OUTBOX_FSYNC_INTERVAL.check(fsyncInterval);
        if (directory != null) {
            directory = directory.toAbsolutePath().normalize();
        }
    }

    /** Whether there is an outbox. */
    public boolean enabled() {
        return directory != null;
    }

    /** A builder with every default set and no directory (outbox off). */
    public static Builder builder() {
        return new Builder();
    }

    /** An outbox in {@code directory} with every other option at its default. */
    public static OutboxOptions directory(Path directory) {
        return builder().directory(directory).build();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link OutboxOptions}; {@link #build()} validates. */
    public static final class Builder {
        private Path directory;
        private String identity = OptionTable.OUTBOX_IDENTITY.defaultValue();
        private int maxEntries = OptionTable.OUTBOX_MAX_ENTRIES.defaultValue();
        private long maxBytes = OptionTable.OUTBOX_MAX_BYTES.defaultValue();
        private Fsync fsync = OptionTable.OUTBOX_FSYNC.defaultValue();
        private Duration fsyncInterval = OptionTable.OUTBOX_FSYNC_INTERVAL.defaultValue();

        private Builder() {
        }

        private Builder(OutboxOptions o) {
            directory = o.directory;
            identity = o.identity;
            maxEntries = o.maxEntries;
            maxBytes = o.maxBytes;
            fsync = o.fsync;
            fsyncInterval = o.fsyncInterval;
        }

        /** The outbox directory; setting it turns the outbox on. */
        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        /** The producer's name in the directory. Default {@code default}. */
        public Builder identity(String identity) {
            this.identity = identity;
            return this;
        }

        /** Entries held not yet confirmed by Redis. Default 100000. */
        public Builder maxEntries(int maxEntries) {
            this.maxEntries = maxEntries;
            return this;
        }

        /** Bytes of entries held not yet confirmed by Redis. Default 64 MiB. */
        public Builder maxBytes(long maxBytes) {
            this.maxBytes = maxBytes;
            return this;
        }

        /**
         * When journal writes are forced to the disk. Default {@link Fsync#ALWAYS}: what the outbox loses to a power
         * failure is entries (the ack journal only loses the memory of acks), so a publish waits for its fsync.
         */
        public Builder fsync(Fsync fsync) {
            this.fsync = fsync;
            return this;
        }

        /** With {@link Fsync#INTERVAL}: the longest a written entry waits for its fsync. Default 100 ms. */
        public Builder fsyncInterval(Duration fsyncInterval) {
            this.fsyncInterval = fsyncInterval;
            return this;
        }

        public OutboxOptions build() {
            return new OutboxOptions(directory, identity, maxEntries, maxBytes, fsync, fsyncInterval);
        }
    }
}
