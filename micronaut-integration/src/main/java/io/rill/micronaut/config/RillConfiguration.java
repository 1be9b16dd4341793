package io.rill.micronaut.config;

import io.micronaut.context.annotation.ConfigurationProperties;

/** {@code rill.*}: switches the module on and off and sets what is not per consumer group. */
@ConfigurationProperties(RillConfiguration.PREFIX)
public class RillConfiguration {

    public static final String PREFIX = "rill";
    public static final String ENABLED = PREFIX + ".enabled";
    public static final String FAIL_FAST = PREFIX + ".fail-fast";
    public static final String DEFAULT_BODY_FIELD = "payload";

    private boolean enabled = true;
    private String bodyField = DEFAULT_BODY_FIELD;
    private boolean failFast;

    /** Whether @RedisStreamListener beans are subscribed (clients and StreamPublisher work either way). Default true. */
    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** The field that carries a JSON body, read by listeners and written by clients. Default {@code payload}. */
    public String getBodyField() {
        return bodyField;
    }

    public void setBodyField(String bodyField) {
        this.bodyField = bodyField;
    }

    /**
     * Whether startup fails, naming the server's URI, when a Redis server the listeners use does not answer a
     * PING; off, the application starts anyway and its subscriptions stay RECOVERING until Redis answers. Default false.
     */
    public boolean isFailFast() {
        return failFast;
    }

    public void setFailFast(boolean failFast) {
        this.failFast = failFast;
    }
}
