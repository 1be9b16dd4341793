package io.rill.internal.checkpoint;

import java.nio.file.Path;
import java.util.Optional;

import io.rill.CheckpointOptions;
import io.rill.SubscriptionOptions;

/**
 * The local checkpoint of one subscription (semantics 4, 5): the consumer identity it claimed in the
 * checkpoint directory, if one is configured, and its ack journal, if any. Opened before the
 * subscription starts, so that a held identity or an unusable directory fails {@code subscribe}
 * at once; closed after its last ack.
 */
public final class Checkpoint implements AutoCloseable {

    private final String consumer;
    private final IdentityLock identity;
    private final AckJournal journal;

    private Checkpoint(String consumer, IdentityLock identity, AckJournal journal) {
        this.consumer = consumer;
        this.identity = identity;
        this.journal = journal;
    }

    /**
     * Claims the identity and opens the journal the options ask for.
     *
     * @throws IllegalStateException           when the identity is held by another process
     * @throws java.io.UncheckedIOException    when the directory or the journal can't be used
     */
    public static Checkpoint open(SubscriptionOptions options) {
        CheckpointOptions checkpoint = options.checkpoint();
        IdentityLock identity = checkpoint.directory() == null ? null
                : IdentityLock.claim(checkpoint.directory(), options.group(), options.streams(), options.consumer());
        String consumer = identity != null ? identity.consumer() : options.consumer();
        try {
            AckJournal journal = switch (checkpoint.journal()) {
                case OFF -> null;
                case MEMORY -> new MemoryAckJournal();
                case FILE -> FileAckJournal.open(identity.directory().resolve("journal"), checkpoint.fsync(),
                        checkpoint.fsyncInterval(),
                        "streams " + options.streams() + " group " + options.group() + " consumer " + consumer);
            };
            return new Checkpoint(consumer, identity, journal);
        } catch (RuntimeException e) {
            if (identity != null) {
                identity.close();
            }
            throw e;
        }
    }

    /** The consumer name: the configured one, or the one derived and kept in the checkpoint directory. */
    public String consumer() {
        return consumer;
    }

    /** The ack journal; null when {@code checkpoint.journal} is off. */
    public AckJournal journal() {
        return journal;
    }

    /** The identity's directory inside the checkpoint directory, when there is one. */
    public Optional<Path> directory() {
        return Optional.ofNullable(identity).map(IdentityLock::directory);
    }

    /** Closes the journal (writing what is queued), then releases the identity. */
    @Override
    public void close() {
        try {
            if (journal != null) {
                journal.close();
            }
        } finally {
            if (identity != null) {
                identity.close();
            }
        }
    }
}
