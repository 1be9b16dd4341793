package io.rill.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a {@link RedisServer} parameter (constructor, {@code @BeforeAll}, {@code @BeforeEach} or
 * test method), started once per top-level test class with {@link RedisServer#start()} and shared by
 * its {@code @Nested} classes.
 *
 * <p>The server lives in the class-level {@link ExtensionContext.Store}; JUnit closes {@link AutoCloseable}
 * store values when that context ends (JUnit 5.13+ and 6, where {@code Store.CloseableResource} is
 * deprecated), so the server stops after the class. Use it through {@link WithRedis} or
 * {@code @ExtendWith(RedisExtension.class)}.
 */
public final class RedisExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RedisExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == RedisServer.class;
    }

    @Override
    public RedisServer resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return classContext(extensionContext).getStore(NAMESPACE)
                .getOrComputeIfAbsent(RedisServer.class, key -> RedisServer.start(), RedisServer.class);
    }

    /**
     * The outermost class context above {@code context}: method contexts, and (depending on the JUnit
     * version and settings) constructor resolution, hand us a narrower context than the class.
     */
    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getParent().isPresent() && current.getParent().get().getTestClass().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }
}
