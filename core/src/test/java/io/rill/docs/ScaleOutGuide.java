package io.rill.docs;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.rill.EntryHandler;
import io.rill.PartitionedStream;
import io.rill.Rill;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;

/**
 * The Java blocks of docs/scale-out.md, compiled with the core's tests; {@code ClusterTest} and
 * {@code SentinelFailoverTest} run them against a local cluster and a local Sentinel setup.
 */
public final class ScaleOutGuide {

    private ScaleOutGuide() {
    }

    /** The snippet's client (the caller shuts it down); the snippet's Rill is closed again at once. */
    public static RedisClusterClient overACluster(List<String> seeds) {
        // tag::cluster[]
        RedisClusterClient client = RedisClusterClient.create(seeds.stream().map(RedisURI::create).toList());
        Rill rill = Rill.create(client); // each subscription reads and acks on the master of its streams' slot
        // end::cluster[]
        rill.close();
        return client;
    }

    /** As {@link #overACluster}, for a Sentinel setup. */
    public static RedisClient overSentinel(String sentinelUri) {
        // tag::sentinel[]
        // e.g. redis-sentinel://sentinel-1:26379,sentinel-2:26379#mymaster
        RedisClient client = RedisClient.create(sentinelUri);
        Rill rill = Rill.create(client); // every connect asks the Sentinels where the master is now
        // end::sentinel[]
        rill.close();
        return client;
    }

    // tag::publish[]
    public static final PartitionedStream ORDERS = PartitionedStream.of("orders", 6); // orders:{0} … orders:{5}

    public static String publish(RedisAdvancedClusterCommands<String, String> redis, String customerId, String amount) {
        // one customer, one partition: a reader of the partition gets the customer's orders in the order added
        return redis.xadd(ORDERS.streamFor(customerId), Map.of("customerId", customerId, "amount", amount));
    }
    // end::publish[]

    public static Subscription readEveryPartition(Rill rill, EntryHandler bill) {
        // tag::subscribe-all[]
        Subscription billing = rill.subscribe(SubscriptionOptions.builder()
                .streams("orders").partitions(6) // reads orders:{0} … orders:{5}
                .group("billing").consumer("billing-1").build(), bill);
        // end::subscribe-all[]
        return billing;
    }

    public static Subscription readAShare(Rill rill, int member, int members, EntryHandler bill) {
        // tag::subscribe-share[]
        // member 0 of 3 reads orders:{0} and orders:{3}, member 1 orders:{1} and orders:{4}, ...
        Subscription billing = rill.subscribe(SubscriptionOptions.builder()
                .streams(ORDERS.streamsOf(member, members))
                .group("billing").consumer("billing-" + member).build(), bill);
        // end::subscribe-share[]
        return billing;
    }

    public static SubscriptionOptions waitForAReplica(SubscriptionOptions.Builder options) {
        // tag::replica-acks[]
        return options
                .replicaAcks(1)                              // WAIT 1 after every XACK flush
                .replicaAckTimeout(Duration.ofMillis(500))  // fewer replicas by then: the XACK goes out again
                .build();
        // end::replica-acks[]
    }
}
