package io.rill.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The harness's own Lettuce client (loading streams, producing, probing), on threads named
 * {@value CostProbe#HARNESS_THREAD_PREFIX}… so that the CPU the cost probe charges to a contender is
 * the contender's alone.
 */
public final class HarnessClient implements AutoCloseable {

    private final ClientResources resources;
    private final RedisClient client;

    public HarnessClient(String uri) {
        this.resources = DefaultClientResources.builder()
                .threadFactoryProvider(pool -> new DefaultThreadFactory(CostProbe.HARNESS_THREAD_PREFIX + pool, true))
                .build();
        this.client = RedisClient.create(resources, uri);
    }

    public RedisClient client() {
        return client;
    }

    @Override
    public void close() {
        client.shutdown();
        resources.shutdown();
    }
}
