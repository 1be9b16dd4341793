package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.exceptions.HttpStatusException;
import io.micronaut.inject.ExecutableMethod;
import io.micronaut.management.endpoint.EndpointSensitivityProcessor;
import io.micronaut.messaging.annotation.MessageHeader;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.micronaut.endpoint.RillEndpoint;
import jakarta.inject.Inject;

/**
 * The {@code rill} management endpoint's operations on a real Redis, called on the bean (the HTTP routes,
 * sensitivity included, are held by the order-service's application test): the overview lists each
 * subscription with its group's pending entries and lag and the dead-letter streams with their length;
 * pause and resume stop and restart reading; redrive puts dead letters back.
 */
@MicronautTest
class EndpointTest extends RedisTest {

    static final String SPEC = "EndpointTest";
    static final String ID = "ep/c1/ep:orders";

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "ep", consumer = "c1")
    static class Orders {
        final Set<String> handled = ConcurrentHashMap.newKeySet();
        final Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        /** Handler calls per {@code n}: a replay calls again. */
        final Map<String, Integer> calls = new ConcurrentHashMap<>();

        @Stream(value = "ep:orders", maxFailures = "1")
        void on(@MessageHeader("n") String n) {
            // an order marked "poison" fails on its first delivery only: dead-lettered, then fine once redriven
            if (n.startsWith("poison") && failedOnce.add(n)) {
                throw new IllegalStateException("poison " + n);
            }
            handled.add(n);
            calls.merge(n, 1, Integer::sum);
        }
    }

    @Inject
    RillEndpoint endpoint;
    @Inject
    Orders orders;
    @Inject
    EndpointSensitivityProcessor sensitivity;

    @Override
    String spec() {
        return SPEC;
    }

    @Override
    Map<String, String> properties() {
        return Map.of("rill.consumers.ep.retry.max-attempts", "1");
    }

    @Test
    void listsSubscriptionsWithPendingLagAndDeadLetters() {
        await().atMost(Duration.ofSeconds(10)).until(() -> "RUNNING".equals(subscription().get("state")));
        redis.add("ep:orders", "n", "1");
        await().atMost(Duration.ofSeconds(10)).until(() -> orders.handled.contains("1") && redis.allAcked("ep:orders", "ep"));

        Map<String, Object> s = subscription();
        assertEquals(EndpointTest.Orders.class.getName() + "#on", s.get("listener"));
        assertEquals("ep", s.get("group"));
        assertEquals("c1", s.get("consumer"));
        assertEquals(List.of("ep:orders"), s.get("streams"));
        assertEquals(false, s.get("paused"));
        assertEquals(0L, s.get("pending"));
        assertEquals(0L, s.get("pendingHere"));
        assertEquals(0L, s.get("lag"));
        assertEquals(List.of("ep:orders:dlq"), s.get("deadLetterStreams"));
        assertEquals(List.of(Map.of("stream", "ep:orders:dlq", "connection", "", "count", 0L)), endpoint.overview().get("deadLetters"));
    }

    @Test
    void pausesAndResumesASubscription() {
        await().atMost(Duration.ofSeconds(10)).until(() -> "RUNNING".equals(subscription().get("state")));
        Map<String, Object> paused = endpoint.operate("pause", ID, null, null, null, null, null);
        assertEquals(true, paused.get("paused"));
        redis.add("ep:orders", "n", "while-paused");
        // nothing reads it: the group's lag shows the entry waiting
        await().atMost(Duration.ofSeconds(10)).until(() -> Long.valueOf(1).equals(subscription().get("lag")));
        assertFalse(orders.handled.contains("while-paused"));

        Map<String, Object> resumed = endpoint.operate("resume", ID, null, null, null, null, null);
        assertEquals(false, resumed.get("paused"));
        await().atMost(Duration.ofSeconds(10)).until(() -> orders.handled.contains("while-paused")
                && redis.allAcked("ep:orders", "ep"));
    }

    @Test
    void redrivesTheDeadLettersOfItsSubscriptions() {
        redis.add("ep:orders", "n", "poison-1");
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetterCount() == 1L);
        assertFalse(orders.handled.contains("poison-1"));

        Map<String, Object> redriven = endpoint.operate("redrive", null, "ep:orders:dlq", null, null, null, null);
        assertEquals(1L, redriven.get("redriven"));
        await().atMost(Duration.ofSeconds(10)).until(() -> orders.handled.contains("poison-1") && deadLetterCount() == 0L
                && redis.allAcked("ep:orders", "ep"));
    }

    /**
     * Issue 12, item 8: {@code POST /rill/seek} moves the group of a paused subscription to an entry ID or a
     * time; resumed, it handles the entries from there again. A subscription that reads is refused (409),
     * positions that are not one are 400, a stream the subscription does not read 404.
     */
    @Test
    void seeksTheGroupOfAPausedSubscriptionToAnIdOrATime() {
        await().atMost(Duration.ofSeconds(10)).until(() -> "RUNNING".equals(subscription().get("state")));
        String first = redis.add("ep:orders", "n", "seek-1");
        String second = redis.add("ep:orders", "n", "seek-2");
        redis.add("ep:orders", "n", "seek-3");
        await().atMost(Duration.ofSeconds(10)).until(() -> orders.handled.containsAll(Set.of("seek-1", "seek-2", "seek-3"))
                && redis.allAcked("ep:orders", "ep"));

        HttpStatusException reading = assertThrows(HttpStatusException.class,
                () -> endpoint.operate("seek", ID, null, null, null, null, "earliest"));
        assertEquals(HttpStatus.CONFLICT, reading.getStatus());
        assertTrue(reading.getMessage().contains("pause"), reading.getMessage());

        endpoint.operate("pause", ID, null, null, null, null, null);
        try {
            Map<String, Object> moved = endpoint.operate("seek", ID, null, null, null, null, second);
            assertEquals(second, moved.get("position"));
            assertEquals(Map.of("ep:orders", io.rill.StartPosition.at(second).id()), moved.get("lastDeliveredIds"));
            assertEquals(true, moved.get("paused"));
            assertEquals(1, orders.calls.get("seek-2"), "nothing is read before the resume");
        } finally {
            endpoint.operate("resume", ID, null, null, null, null, null);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> orders.calls.get("seek-2") == 2 && orders.calls.get("seek-3") == 2
                && redis.allAcked("ep:orders", "ep"));
        assertEquals(1, orders.calls.get("seek-1"), "before the position: not replayed");

        // a time: from the first entry's millisecond on
        String time = java.time.Instant.ofEpochMilli(Long.parseLong(first.split("-")[0])).toString();
        endpoint.operate("pause", ID, null, null, null, null, null);
        try {
            Map<String, Object> moved = endpoint.operate("seek", ID, "ep:orders", null, null, null, time);
            assertEquals(time, moved.get("position"));
        } finally {
            endpoint.operate("resume", ID, null, null, null, null, null);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> orders.calls.get("seek-1") == 2 && orders.calls.get("seek-3") == 3
                && redis.allAcked("ep:orders", "ep"));

        HttpStatusException badPosition = assertThrows(HttpStatusException.class,
                () -> endpoint.operate("seek", ID, null, null, null, null, "yesterday"));
        assertEquals(HttpStatus.BAD_REQUEST, badPosition.getStatus());
        assertTrue(badPosition.getMessage().contains("earliest, latest, an entry ID"), badPosition.getMessage());
        assertEquals(HttpStatus.BAD_REQUEST, assertThrows(HttpStatusException.class,
                () -> endpoint.operate("seek", ID, null, null, null, null, null)).getStatus());
        HttpStatusException otherStream = assertThrows(HttpStatusException.class,
                () -> endpoint.operate("seek", ID, "ep:other", null, null, null, "earliest"));
        assertEquals(HttpStatus.NOT_FOUND, otherStream.getStatus());
        assertTrue(otherStream.getMessage().contains("[ep:orders]"), otherStream.getMessage());
    }

    @Test
    void refusesUnknownSubscriptionsStreamsAndOperations() {
        HttpStatusException unknownId = assertThrows(HttpStatusException.class,
                () -> endpoint.operate("pause", "ep/nobody/ep:orders", null, null, null, null, null));
        assertEquals(HttpStatus.NOT_FOUND, unknownId.getStatus());
        assertTrue(unknownId.getMessage().contains(ID), unknownId.getMessage());

        HttpStatusException notADeadLetterStream = assertThrows(HttpStatusException.class,
                () -> endpoint.operate("redrive", null, "ep:orders", null, null, null, null));
        assertEquals(HttpStatus.NOT_FOUND, notADeadLetterStream.getStatus());
        assertTrue(notADeadLetterStream.getMessage().contains("[ep:orders:dlq]"), notADeadLetterStream.getMessage());

        HttpStatusException unknownOperation = assertThrows(HttpStatusException.class,
                () -> endpoint.operate("delete", ID, null, null, null, null, null));
        assertEquals(HttpStatus.BAD_REQUEST, unknownOperation.getStatus());
    }

    @Test
    void isSensitiveUnlessConfiguredOtherwise() {
        List<Boolean> rill = sensitivity.getEndpointMethods().entrySet().stream()
                .filter(e -> ((ExecutableMethod<?, ?>) e.getKey()).getDeclaringType() == RillEndpoint.class)
                .map(Map.Entry::getValue).toList();
        assertEquals(List.of(true, true), rill, "GET /rill and POST /rill/{operation}");
    }

    private Map<String, Object> subscription() {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> all = (List<Map<String, Object>>) endpoint.overview().get("subscriptions");
        return all.stream().filter(s -> ID.equals(s.get("id"))).findFirst().orElseThrow();
    }

    private long deadLetterCount() {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> deadLetters = (List<Map<String, Object>>) endpoint.overview().get("deadLetters");
        return (Long) deadLetters.getFirst().get("count");
    }
}
