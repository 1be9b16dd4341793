package io.rill.spring;

/** How a {@link RedisStreamListener} method's entries are acknowledged. */
public enum AckMode {
    /** Manual when the method takes an {@code Acknowledgement} parameter, automatic otherwise. */
    DEFAULT,
    /** The entry is acknowledged when the method returns normally; an Acknowledgement parameter is an error. */
    AUTO,
    /** The method acknowledges through its Acknowledgement parameter, which it must have. */
    MANUAL
}
