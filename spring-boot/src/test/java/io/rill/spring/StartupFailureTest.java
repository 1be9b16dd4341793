package io.rill.spring;

import static io.rill.spring.Contexts.assertMentions;
import static io.rill.spring.Contexts.failure;
import static io.rill.spring.Contexts.runner;

import java.util.List;
import java.util.concurrent.Future;

import io.rill.Acknowledgement;
import io.rill.StreamEntry;
import io.rill.testing.RedisServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Listener methods that could never work are refused at startup, the message naming the method and the fix. */
class StartupFailureTest {

    static final RedisServer server = RedisServer.start();

    @AfterAll
    static void stopRedis() {
        server.close();
    }

    static class UnboundScalar {
        @RedisStreamListener(streams = "bad:s", group = "g")
        void on(int count) {
        }
    }

    static class TwoBodies {
        @RedisStreamListener(streams = "bad:s", group = "g")
        void on(StreamEntry entry, String one, Object two) {
        }
    }

    static class UselessReturn {
        @RedisStreamListener(streams = "bad:s", group = "g")
        String on(String body) {
            return body;
        }
    }

    static class PlainFuture {
        @RedisStreamListener(streams = "bad:s", group = "g")
        Future<Void> on(String body) {
            return null;
        }
    }

    static class ManualWithoutAck {
        @RedisStreamListener(streams = "bad:s", group = "g", ackMode = AckMode.MANUAL)
        void on(String body) {
        }
    }

    static class SendToWithAck {
        @RedisStreamListener(streams = "bad:s", group = "g")
        @SendTo("out")
        String on(String body, Acknowledgement ack) {
            return body;
        }
    }

    static class BatchWithoutList {
        @RedisStreamListener(streams = "bad:s", group = "g", batch = true)
        void on(String body) {
        }
    }

    static class NoGroup {
        @RedisStreamListener("bad:s")
        void on(String body) {
        }
    }

    static class SameConsumerTwice {
        @RedisStreamListener(streams = "bad:s", group = "g", consumer = "c")
        void one(String body) {
        }

        @RedisStreamListener(streams = "bad:s", group = "g", consumer = "c")
        void two(List<String> bodies) {
        }
    }

    static class Fine {
        @RedisStreamListener(streams = "bad:s", group = "g")
        void on(String body) {
        }
    }

    private static String failureOf(Class<?> listener, String... properties) {
        return failure(runner(server.uri()).withUserConfiguration(listener).withPropertyValues(properties));
    }

    @Test
    void aParameterThatCannotBeBoundIsRefused() {
        assertMentions(failureOf(UnboundScalar.class), UnboundScalar.class.getName() + "#on", "parameter 'count'",
                "@Field");
    }

    @Test
    void twoBodyParametersAreRefused() {
        assertMentions(failureOf(TwoBodies.class), "parameter 'two'", "body parameter already");
    }

    @Test
    void aReturnValueNothingWouldUseIsRefused() {
        assertMentions(failureOf(UselessReturn.class), "returns java.lang.String, which nothing would use");
    }

    @Test
    void aPlainFutureIsRefused() {
        assertMentions(failureOf(PlainFuture.class), "a Future that can't tell when it completes");
    }

    @Test
    void manualAckModeWithoutAnAcknowledgementIsRefused() {
        assertMentions(failureOf(ManualWithoutAck.class), "ackMode = MANUAL", "Acknowledgement");
    }

    @Test
    void sendToWithAnAcknowledgementIsRefused() {
        assertMentions(failureOf(SendToWithAck.class), "@SendTo with an Acknowledgement parameter");
    }

    @Test
    void aBatchMethodWithoutAListIsRefused() {
        assertMentions(failureOf(BatchWithoutList.class), "a batch method takes one List<T>");
    }

    @Test
    void noGroupAndNoApplicationNameIsRefused() {
        assertMentions(failureOf(NoGroup.class), "no consumer group", "spring.application.name");
    }

    @Test
    void twoMethodsSharingOneConsumerAreRefused() {
        assertMentions(failureOf(SameConsumerTwice.class), "sharing one pending list");
    }

    /**
     * Listeners run on a Redis Cluster (ClusterListenerTest); with fail-fast, cluster nodes that are no cluster
     * fail startup naming the property, never a subscription retrying forever.
     */
    @Test
    void clusterNodesThatAreNoClusterFailStartupNamingTheProperty() {
        assertMentions(failureOf(Fine.class, "spring.data.redis.cluster.nodes=" + server.host() + ":" + server.port(),
                "rill.fail-fast=true"), "Redis Cluster", "spring.data.redis.cluster.nodes");
    }

    @Test
    void aStaticMasterReplicaConnectionIsRefusedNamingTheProperty() {
        assertMentions(failureOf(Fine.class, "spring.data.redis.masterreplica.nodes=" + server.host() + ":" + server.port()),
                "static master/replica", "spring.data.redis.masterreplica.nodes");
    }

    /** Jedis (or no Lettuce factory at all): listeners are refused at startup, never left unsubscribed silently. */
    @Test
    void withoutALettuceConnectionFactoryListenersAreRefused() {
        assertMentions(failureOf(Fine.class, "spring.data.redis.client-type=jedis"), "LettuceConnectionFactory",
                "spring.data.redis.client-type=jedis");
    }

    @Test
    void failFastRefusesAnUnreachableRedis() {
        assertMentions(failure(runner("redis://127.0.0.1:1").withUserConfiguration(Fine.class)
                .withPropertyValues("rill.fail-fast=true")), "rill.fail-fast", "PING");
    }
}
