package io.rill.micronaut.config;

import java.time.Duration;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Nullable;
import io.rill.Backoff;
import io.rill.StartPosition;
import io.rill.SubscriptionOptions.Builder;

/**
 * {@code rill.consumers.<group>.*}: the core options of the subscriptions of one consumer group, and
 * {@code rill.consumers.default.*} for every group. Unset properties leave the value to the next layer
 * down: {@code @Stream} attributes override the group's entry, which overrides {@code default}, which
 * overrides the core's defaults. Values are validated by the core when a subscription is built.
 */
// Adding a core option: a field with a getter and setter here (the getter's Javadoc becomes the
// configuration metadata IDEs show), and one line in applyTo(). An option the core groups into a record
// (like backoff.*) also gets a Composite constant and a nested class.
@EachProperty(value = ConsumerConfiguration.PREFIX, primary = ConsumerConfiguration.DEFAULT)
public class ConsumerConfiguration {

    public static final String PREFIX = "rill.consumers";
    public static final String DEFAULT = "default";

    /** Assembles {@code backoff.*} over {@link Backoff#DEFAULT}. */
    static final OptionSettings.Composite<Backoff> BACKOFF = new OptionSettings.Composite<>("backoff",
            parts -> new Backoff(parts.get("initial", Backoff.DEFAULT.initial()), parts.get("max", Backoff.DEFAULT.max()),
                    parts.get("multiplier", Backoff.DEFAULT.multiplier()), parts.get("jitter", Backoff.DEFAULT.jitter())),
            Builder::backoff);

    private final String name;
    private String consumer;
    private Integer batchSize;
    private Duration blockTimeout;
    private Integer concurrency;
    private String orderingKey;
    private Integer maxInFlight;
    private StartPosition startPosition;
    private Boolean autoCreate;
    private Integer ackFlushSize;
    private Duration ackFlushInterval;
    private Duration shutdownTimeout;
    private BackoffConfiguration backoff = new BackoffConfiguration();

    public ConsumerConfiguration(@Parameter String name) {
        this.name = name;
    }

    /** The group this entry configures, or {@code default}. */
    public String getName() {
        return name;
    }

    /** The property prefix of this entry, e.g. {@code rill.consumers.billing.}. */
    public String prefix() {
        return PREFIX + "." + name + ".";
    }

    /** Puts every option set here into {@code settings}, named by this entry's property paths. */
    public void applyTo(OptionSettings settings) {
        settings.layer(option -> prefix() + option)
                .set("consumer", consumer, Builder::consumer)
                .set("batch-size", batchSize, Builder::batchSize)
                .set("block-timeout", blockTimeout, Builder::blockTimeout)
                .set("concurrency", concurrency, Builder::concurrency)
                .set("ordering-key", orderingKey, Builder::orderingKey)
                .set("max-in-flight", maxInFlight, Builder::maxInFlight)
                .set("start-position", startPosition, Builder::startPosition)
                .set("auto-create", autoCreate, Builder::autoCreate)
                .set("ack-flush-size", ackFlushSize, Builder::ackFlushSize)
                .set("ack-flush-interval", ackFlushInterval, Builder::ackFlushInterval)
                .set("shutdown-timeout", shutdownTimeout, Builder::shutdownTimeout)
                .setPart(BACKOFF, "initial", backoff.initial)
                .setPart(BACKOFF, "max", backoff.max)
                .setPart(BACKOFF, "multiplier", backoff.multiplier)
                .setPart(BACKOFF, "jitter", backoff.jitter);
    }

    /** This process's consumer name in the group. Default: the host name. */
    public @Nullable String getConsumer() {
        return consumer;
    }

    public void setConsumer(@Nullable String consumer) {
        this.consumer = consumer;
    }

    /** COUNT per read and stream, 1..100000, lowered to the free in-flight capacity. Core default 100. */
    public @Nullable Integer getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(@Nullable Integer batchSize) {
        this.batchSize = batchSize;
    }

    /** BLOCK of a read for new entries, at least 1ms. Core default 2s. */
    public @Nullable Duration getBlockTimeout() {
        return blockTimeout;
    }

    public void setBlockTimeout(@Nullable Duration blockTimeout) {
        this.blockTimeout = blockTimeout;
    }

    /** Handler calls at once, 1..4096. Core default 1 (stream order). */
    public @Nullable Integer getConcurrency() {
        return concurrency;
    }

    public void setConcurrency(@Nullable Integer concurrency) {
        this.concurrency = concurrency;
    }

    /** With concurrency above 1: the field whose equal values are handled in stream order. */
    public @Nullable String getOrderingKey() {
        return orderingKey;
    }

    public void setOrderingKey(@Nullable String orderingKey) {
        this.orderingKey = orderingKey;
    }

    /** Entries read and not yet acknowledged or failed, at least one per stream. Core default 1000. */
    public @Nullable Integer getMaxInFlight() {
        return maxInFlight;
    }

    public void setMaxInFlight(@Nullable Integer maxInFlight) {
        this.maxInFlight = maxInFlight;
    }

    /** Where a group Rill creates starts: LATEST ($) or EARLIEST (0). Core default LATEST. */
    public @Nullable StartPosition getStartPosition() {
        return startPosition;
    }

    public void setStartPosition(@Nullable StartPosition startPosition) {
        this.startPosition = startPosition;
    }

    /** Create missing groups and streams; off: a missing group fails the subscription. Core default true. */
    public @Nullable Boolean getAutoCreate() {
        return autoCreate;
    }

    public void setAutoCreate(@Nullable Boolean autoCreate) {
        this.autoCreate = autoCreate;
    }

    /** Acks of one stream that trigger an XACK at once, 1..100000. Core default 100. */
    public @Nullable Integer getAckFlushSize() {
        return ackFlushSize;
    }

    public void setAckFlushSize(@Nullable Integer ackFlushSize) {
        this.ackFlushSize = ackFlushSize;
    }

    /** The longest an ack waits before it is sent. Core default 50ms. */
    public @Nullable Duration getAckFlushInterval() {
        return ackFlushInterval;
    }

    public void setAckFlushInterval(@Nullable Duration ackFlushInterval) {
        this.ackFlushInterval = ackFlushInterval;
    }

    /** How long a graceful stop waits for in-flight handlers and acks. Core default 30s. */
    public @Nullable Duration getShutdownTimeout() {
        return shutdownTimeout;
    }

    public void setShutdownTimeout(@Nullable Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }

    public BackoffConfiguration getBackoff() {
        return backoff;
    }

    public void setBackoff(BackoffConfiguration backoff) {
        this.backoff = backoff;
    }

    /** {@code rill.consumers.<group>.backoff.*}: waits between attempts while Redis fails. */
    @ConfigurationProperties("backoff")
    public static class BackoffConfiguration {
        private Duration initial;
        private Duration max;
        private Double multiplier;
        private Double jitter;

        /** The first wait, above 0. Core default 100ms. */
        public @Nullable Duration getInitial() {
            return initial;
        }

        public void setInitial(@Nullable Duration initial) {
            this.initial = initial;
        }

        /** The longest wait, at least the initial one. Core default 10s. */
        public @Nullable Duration getMax() {
            return max;
        }

        public void setMax(@Nullable Duration max) {
            this.max = max;
        }

        /** Growth per attempt, at least 1. Core default 2. */
        public @Nullable Double getMultiplier() {
            return multiplier;
        }

        public void setMultiplier(@Nullable Double multiplier) {
            this.multiplier = multiplier;
        }

        /** The randomized fraction of each wait, 0..1. Core default 0.5. */
        public @Nullable Double getJitter() {
            return jitter;
        }

        public void setJitter(@Nullable Double jitter) {
            this.jitter = jitter;
        }
    }
}
