package io.rill;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Local checkpointing of one subscription (semantics 4 and 5): where the ack journal and the consumer
 * identity live, and how durable a journal write is. Immutable; built and validated by {@link #builder()}.
 * Option names in messages are the configuration names ({@code checkpoint.directory}, ...).
 *
 * <p>Off unless configured: {@link #OFF} neither writes files nor derives names. Setting a
 * {@code directory} turns the file journal on; the consumer name may then be left unset, and a name
 * derived from the host is kept in the directory.
 *
 * @param journal       where acks are journaled before their XACK: {@code off}, {@code memory} or {@code file}
 * @param directory     the checkpoint directory (journals, derived consumer names, locks); null for none
 * @param fsync         when a file journal write is forced to the disk
 * @param fsyncInterval with {@link Fsync#INTERVAL}, the longest a written record waits for its fsync
 */
public record CheckpointOptions(Journal journal, Path directory, Fsync fsync, Duration fsyncInterval) {

    public static final Duration DEFAULT_FSYNC_INTERVAL = OptionTable.CHECKPOINT_FSYNC_INTERVAL.defaultValue();
    /** The default: no journal, no directory; acks go straight to Redis (at-least-once, semantics 1). */
    public static final CheckpointOptions OFF = builder().build();

    /** Where handled entries are recorded before their XACK. */
    public enum Journal {
        /** No journal: an entry handled and not yet acked when the process dies is handled again. */
        OFF,
        /** The journal's code path without a disk: nothing survives the process. For tests. */
        MEMORY,
        /** An append-only file in the checkpoint directory: survives the process (and power loss per {@link Fsync}). */
        FILE
    }

    /**
     * When a file journal write is forced to the disk. Every policy survives a crash of the process
     * (the record is in the operating system's page cache once written); they differ on power loss or
     * a kernel crash. Whatever is lost there is only the memory of acks: those entries are handled
     * again, none is lost.
     */
    public enum Fsync {
        /** Each group commit is fsynced before its XACK is sent: a journaled ack survives power loss. */
        ALWAYS,
        /** Written at once, fsynced within {@code fsync-interval}: power loss forgets at most that much. */
        INTERVAL,
        /** Written at once, never fsynced: the operating system writes it back when it likes (typically &lt; 30 s). */
        NEVER
    }

    public CheckpointOptions {
        Options.set("checkpoint.journal", journal);
        OptionTable.CHECKPOINT_FSYNC.check(fsync);
        OptionTable.CHECKPOINT_FSYNC_INTERVAL.check(fsyncInterval);
        OptionTable.CHECKPOINT_DIRECTORY.check(directory);
        if (journal == Journal.FILE && directory == null) {
            throw new InvalidOptionException("checkpoint.directory", null, "must be set when {0} is file: set it to a "
                    + "writable directory on a local disk, or set {0} to off or memory", "checkpoint.journal");
        }
        if (directory != null) {
            directory = directory.toAbsolutePath().normalize();
        }
    }

    /** A builder with every default set: journal off unless a directory is given, fsync {@code interval} 100 ms. */
    public static Builder builder() {
        return new Builder();
    }

    /** The file journal in {@code directory}, with the default fsync policy. */
    public static CheckpointOptions directory(Path directory) {
        return builder().directory(directory).build();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link CheckpointOptions}; {@link #build()} validates. */
    public static final class Builder {
        private Journal journal;
        private Path directory;
        private Fsync fsync = OptionTable.CHECKPOINT_FSYNC.defaultValue();
        private Duration fsyncInterval = DEFAULT_FSYNC_INTERVAL;

        private Builder() {
        }

        private Builder(CheckpointOptions o) {
            journal = o.journal;
            directory = o.directory;
            fsync = o.fsync;
            fsyncInterval = o.fsyncInterval;
        }

        /** Default: {@code file} when a directory is set, else {@code off}. */
        public Builder journal(Journal journal) {
            this.journal = journal;
            return this;
        }

        /** The checkpoint directory; setting it turns the file journal on unless {@link #journal} says otherwise. */
        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        /** When journal writes are forced to the disk. Default {@link Fsync#INTERVAL}. */
        public Builder fsync(Fsync fsync) {
            this.fsync = fsync;
            return this;
        }

        /** With {@link Fsync#INTERVAL}: the longest a written record waits for its fsync. Default 100 ms. */
        public Builder fsyncInterval(Duration fsyncInterval) {
            this.fsyncInterval = fsyncInterval;
            return this;
        }

        public CheckpointOptions build() {
            Journal resolved = journal != null ? journal : directory != null ? Journal.FILE : Journal.OFF;
            return new CheckpointOptions(resolved, directory, fsync, fsyncInterval);
        }
    }
}
