package io.rill.logging;

import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.simple.SimpleServiceProvider;
import org.slf4j.spi.MDCAdapter;

/**
 * slf4j-simple with a working MDC (its own is a no-op), chosen for the core's tests by the
 * {@code slf4j.provider} system property in the surefire configuration: the MDC keys Rill sets around
 * handler calls can then be read back.
 */
public final class SimpleLoggingWithMdc extends SimpleServiceProvider {

    private final MDCAdapter mdc = new BasicMDCAdapter();

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }
}
