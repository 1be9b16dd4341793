package io.rill;

import java.time.Duration;
import java.util.Objects;

/**
 * Options of an idempotent producer ({@link io.rill.publish.Producer}): how long idempotency keys are
 * remembered, and its outbox. Immutable; built and validated by {@link #builder()}; every option is a row
 * of {@link OptionTable#producer()}, settable by key with {@link Builder#option(String, Object)}.
 *
 * @param retention how long an idempotency key is remembered beside its stream (a publish retried within it
 *                  returns the first entry's ID)
 * @param outbox    the outbox; {@link OutboxOptions#OFF} for none
 */
public record ProducerOptions(Duration retention, OutboxOptions outbox) {

    /** Keys kept 24 hours, no outbox. */
    public static final ProducerOptions DEFAULT = builder().build();

    public ProducerOptions {
        OptionTable.PRODUCER_RETENTION.check(retention);
        Options.set("outbox", outbox);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link ProducerOptions}; {@link #build()} validates. */
    public static final class Builder {
        private Duration retention = OptionTable.PRODUCER_RETENTION.defaultValue();
        private OutboxOptions outbox = OutboxOptions.OFF;
        private OutboxOptions.Builder outboxParts;

        private Builder() {
        }

        private Builder(ProducerOptions o) {
            retention = o.retention;
            outbox = o.outbox;
        }

        /** How long idempotency keys are remembered. Default 24 hours. */
        public Builder retention(Duration retention) {
            this.retention = retention;
            return this;
        }

        /** The outbox; replaces what {@link #option} set under {@code outbox.}. */
        public Builder outbox(OutboxOptions outbox) {
            this.outbox = Objects.requireNonNull(outbox, "outbox");
            this.outboxParts = null;
            return this;
        }

        /**
         * Sets one option by its key in {@link OptionTable#producer()} ({@code retention}, {@code outbox.directory}),
         * as frameworks do from their configuration; an unknown key or a value of the wrong type fails here, a bad
         * value at {@link #build()}, with an {@link InvalidOptionException} naming the key.
         */
        public Builder option(String key, Object value) {
            OptionTable.getProducer(key, value).set(this, value);
            return this;
        }

        OutboxOptions.Builder outboxParts() {
            if (outboxParts == null) {
                outboxParts = outbox.toBuilder();
            }
            return outboxParts;
        }

        public ProducerOptions build() {
            return new ProducerOptions(retention, outboxParts != null ? outboxParts.build() : outbox);
        }
    }
}
