package io.rill.spring.actuate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.models.stream.PendingMessages;
import io.rill.DeadLetterOptions;
import io.rill.StartPosition;
import io.rill.SubscriptionOptions;
import io.rill.spring.RillSubscriptions;
import io.rill.spring.SubscriptionInfo;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * The {@code rill} actuator endpoint (expose it with {@code management.endpoints.web.exposure.include=rill}):
 * <ul>
 *   <li>{@code GET /actuator/rill}: every listener subscription with its state, entries in flight, the group's
 *       pending entries (XPENDING) and lag (XINFO GROUPS), and the dead-letter streams with their length;</li>
 *   <li>{@code POST /actuator/rill/pause} and {@code /actuator/rill/resume} with {@code {"id": "group/consumer/streams"}}:
 *       stop and restart reading, as {@link RillSubscriptions#pause} and {@link RillSubscriptions#resume};</li>
 *   <li>{@code POST /actuator/rill/redrive} with {@code {"stream": "orders:dlq"}} (and optionally {@code from} and
 *       {@code to} entry IDs): puts the dead letters back on their source streams;</li>
 *   <li>{@code POST /actuator/rill/seek} with {@code {"id": ..., "position": "earliest"}}: moves the paused
 *       subscription's group there (409 while it reads).</li>
 * </ul>
 * Only dead-letter streams of the application's own subscriptions can be redriven. Answers 400 for a request
 * that names nothing, 404 for an unknown subscription or stream, 409 while the application stops.
 */
@Endpoint(id = RillEndpoint.ID)
public class RillEndpoint implements DisposableBean {

    public static final String ID = "rill";
    public static final String PAUSE = "pause";
    public static final String RESUME = "resume";
    public static final String REDRIVE = "redrive";
    public static final String SEEK = "seek";

    private static final Logger log = LoggerFactory.getLogger(RillEndpoint.class);
    /** How long one XPENDING, XINFO GROUPS or XLEN may take before the figure is left out. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    private final RillSubscriptions subscriptions;
    private StatefulRedisConnection<String, String> connection;

    public RillEndpoint(RillSubscriptions subscriptions) {
        this.subscriptions = subscriptions;
    }

    /** {@code GET /actuator/rill}: the subscriptions and the dead-letter streams. */
    @ReadOperation
    public Map<String, Object> overview() {
        List<Map<String, Object>> listed = new ArrayList<>();
        Map<String, Map<String, Object>> deadLetters = new LinkedHashMap<>();
        for (SubscriptionInfo s : subscriptions.list()) {
            listed.add(describe(s));
            for (String d : deadLetterStreams(s)) {
                deadLetters.computeIfAbsent(d, this::describeDeadLetters);
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subscriptions", listed);
        body.put("deadLetters", List.copyOf(deadLetters.values()));
        return body;
    }

    /**
     * {@code POST /actuator/rill/{operation}}: {@code pause} or {@code resume} a subscription ({@code id}),
     * {@code seek} its group to a {@code position}, or {@code redrive} a dead-letter stream ({@code stream};
     * {@code from} and {@code to} bound the IDs, {@code -} and {@code +} by default).
     */
    @WriteOperation
    public WebEndpointResponse<Map<String, Object>> operate(@Selector String operation, @Nullable String id,
            @Nullable String stream, @Nullable String from, @Nullable String to, @Nullable String position) {
        try {
            return new WebEndpointResponse<>(run(operation, id, stream, from, to, position));
        } catch (Refused e) {
            return error(e.status, e.getMessage());
        } catch (IllegalStateException e) {
            return error(409, e.getMessage()); // the application is stopping; a seek while the subscription reads
        }
    }

    private Map<String, Object> run(String operation, String id, String stream, String from, String to, String position) {
        switch (operation.toLowerCase(Locale.ROOT)) {
            case PAUSE -> {
                subscriptions.pause(requireSubscription(id));
                log.info("Paused {} through the rill endpoint", id);
                return describe(subscriptions.get(id).orElseThrow());
            }
            case RESUME -> {
                subscriptions.resume(requireSubscription(id));
                log.info("Resumed {} through the rill endpoint", id);
                return describe(subscriptions.get(id).orElseThrow());
            }
            case REDRIVE -> {
                String target = requireDeadLetterStream(stream);
                long redriven = subscriptions.deadLetters(target)
                        .redrive(from == null || from.isBlank() ? "-" : from, to == null || to.isBlank() ? "+" : to);
                log.info("Redrove {} dead letters of {} through the rill endpoint", redriven, target);
                Map<String, Object> body = describeDeadLetters(target);
                body.put("redriven", redriven);
                return body;
            }
            case SEEK -> {
                String subscription = requireSubscription(id);
                StartPosition to0 = requirePosition(position);
                List<String> moved;
                try {
                    moved = subscriptions.seek(subscription, to0, stream);
                } catch (IllegalArgumentException e) {
                    throw new Refused(404, e.getMessage()); // a stream it does not read; no such group in Redis
                }
                log.info("Moved the group of {} to {} on {} through the rill endpoint", id, to0, moved);
                Map<String, Object> body = describe(subscriptions.get(subscription).orElseThrow());
                body.put("position", to0.toString());
                body.put("moved", moved);
                return body;
            }
            default -> throw new Refused(400, "unknown operation '" + operation + "': POST /actuator/rill/pause or "
                    + "/actuator/rill/resume with {\"id\": ...}, /actuator/rill/seek with {\"id\": ..., \"position\": ...}, "
                    + "or /actuator/rill/redrive with {\"stream\": ...}");
        }
    }

    private static WebEndpointResponse<Map<String, Object>> error(int status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("error", message);
        return new WebEndpointResponse<>(body, status);
    }

    private static StartPosition requirePosition(String position) {
        if (position == null || position.isBlank()) {
            throw new Refused(400, "name the position: {\"position\": \"earliest\"}, \"latest\", an entry ID "
                    + "(\"1700000000000-0\") or an ISO-8601 time (\"2026-11-30T10:00:00Z\")");
        }
        try {
            return StartPosition.parse(position);
        } catch (IllegalArgumentException e) {
            throw new Refused(400, e.getMessage());
        }
    }

    private String requireSubscription(String id) {
        if (id == null || id.isBlank()) {
            throw new Refused(400, "name the subscription: {\"id\": \"group/consumer/streams\"}");
        }
        if (subscriptions.get(id).isEmpty()) {
            List<String> ids = subscriptions.list().stream().map(SubscriptionInfo::id).toList();
            throw new Refused(404, "no Rill subscription '" + id + "'; there are " + ids);
        }
        return id;
    }

    private String requireDeadLetterStream(String stream) {
        if (stream == null || stream.isBlank()) {
            throw new Refused(400, "name the dead-letter stream: {\"stream\": \"orders:dlq\"}");
        }
        Set<String> known = new LinkedHashSet<>();
        for (SubscriptionInfo s : subscriptions.list()) {
            known.addAll(deadLetterStreams(s));
        }
        if (!known.contains(stream)) {
            throw new Refused(404, "'" + stream + "' is not a dead-letter stream of this application's subscriptions; "
                    + "they are " + known);
        }
        return stream;
    }

    private Map<String, Object> describe(SubscriptionInfo s) {
        SubscriptionOptions options = s.options();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", s.id());
        body.put("listener", s.listener());
        body.put("group", options.group());
        if (options.consumer() != null) {
            body.put("consumer", options.consumer());
        }
        body.put("streams", options.streams());
        body.put("state", s.state().map(Enum::name).orElse("NOT_STARTED"));
        s.stateSince().ifPresent(since -> body.put("since", since.toString()));
        body.put("paused", s.paused());
        body.put("inFlight", s.inFlight());
        s.lastError().ifPresent(e -> body.put("lastError", e.getClass().getName() + ": " + e.getMessage()));
        if (s.started()) {
            putGroupFigures(body, s);
        }
        body.put("deadLetterStreams", deadLetterStreams(s));
        return body;
    }

    /**
     * {@code pending}: the group's pending entries over the subscription's streams; {@code pendingHere}: this
     * consumer's share; {@code lag}: entries not yet delivered to the group (Redis 7+; left out when Redis can't
     * say). Left out when Redis does not answer.
     */
    private void putGroupFigures(Map<String, Object> body, SubscriptionInfo s) {
        String group = s.options().group();
        String consumer = s.options().consumer();
        try {
            long pending = 0;
            long pendingHere = 0;
            Long lag = 0L;
            for (String stream : s.options().streams()) {
                PendingMessages summary = connection().sync().xpending(stream, group);
                pending += summary.getCount();
                if (consumer != null) {
                    pendingHere += summary.getConsumerMessageCount().getOrDefault(consumer, 0L);
                }
                Long streamLag = groupField(connection().sync().xinfoGroups(stream), group, "lag") instanceof Long l ? l : null;
                lag = lag == null || streamLag == null ? null : lag + streamLag;
            }
            body.put("pending", pending);
            if (consumer != null) {
                body.put("pendingHere", pendingHere);
            }
            if (lag != null) {
                body.put("lag", lag);
            }
        } catch (RedisException e) {
            body.put("redisError", e.getMessage()); // no group yet (NOGROUP), or Redis away
        }
    }

    /** One field of what XINFO GROUPS reports for {@code group}, or null when absent. */
    private static Object groupField(List<Object> groups, String group, String field) {
        for (Object g : groups) {
            if (g instanceof List<?> fields) {
                Map<String, Object> byName = new LinkedHashMap<>();
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    byName.put(String.valueOf(fields.get(i)), fields.get(i + 1));
                }
                if (group.equals(String.valueOf(byName.get("name")))) {
                    return byName.get(field);
                }
            }
        }
        return null;
    }

    private Map<String, Object> describeDeadLetters(String stream) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("stream", stream);
        try {
            body.put("count", connection().sync().xlen(stream));
        } catch (RedisException e) {
            body.put("redisError", e.getMessage());
        }
        return body;
    }

    private static List<String> deadLetterStreams(SubscriptionInfo s) {
        DeadLetterOptions deadLetter = s.options().deadLetter();
        if (!deadLetter.enabled()) {
            return List.of();
        }
        Set<String> streams = new LinkedHashSet<>();
        for (String source : s.options().streams()) {
            streams.add(deadLetter.streamFor(source));
        }
        return List.copyOf(streams);
    }

    private synchronized StatefulRedisConnection<String, String> connection() {
        if (connection == null || !connection.isOpen()) {
            connection = subscriptions.client().connect();
            connection.setTimeout(COMMAND_TIMEOUT);
        }
        return connection;
    }

    @Override
    public synchronized void destroy() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    /** A request refused with an HTTP status. */
    private static final class Refused extends RuntimeException {
        final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }
}
