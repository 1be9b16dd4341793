package io.rill.micronaut.endpoint;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.models.stream.PendingMessages;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.exceptions.HttpStatusException;
import io.micronaut.management.endpoint.annotation.Endpoint;
import io.micronaut.management.endpoint.annotation.Read;
import io.micronaut.management.endpoint.annotation.Selector;
import io.micronaut.management.endpoint.annotation.Write;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.rill.DeadLetterOptions;
import io.rill.StartPosition;
import io.rill.SubscriptionOptions;
import io.rill.micronaut.RillSubscriptions;
import io.rill.micronaut.SubscriptionInfo;
import io.rill.micronaut.connect.RedisConnections;
import jakarta.annotation.PreDestroy;

/**
 * The {@code rill} management endpoint (micronaut-management; sensitive unless
 * {@code endpoints.rill.sensitive=false}):
 * <ul>
 *   <li>{@code GET /rill}: every listener subscription with its state, entries in flight, the group's
 *       pending entries (XPENDING) and lag (XINFO GROUPS), and the dead-letter streams with their length;</li>
 *   <li>{@code POST /rill/pause} and {@code POST /rill/resume} with {@code {"id": "group/consumer/streams"}}:
 *       stop and restart reading, as {@link RillSubscriptions#pause} and {@link RillSubscriptions#resume};</li>
 *   <li>{@code POST /rill/redrive} with {@code {"stream": "orders:dlq"}} (and optionally {@code from} and
 *       {@code to} entry IDs, {@code connection}): puts the dead letters back on their source streams;</li>
 *   <li>{@code POST /rill/seek} with {@code {"id": ..., "position": "2026-11-30T10:00:00Z"}} ({@code earliest},
 *       {@code latest}, an entry ID or an ISO-8601 time; optionally {@code stream}, one of the subscription's):
 *       moves the subscription's consumer group there, as {@link RillSubscriptions#seek}; the subscription
 *       must be paused first (409 otherwise).</li>
 * </ul>
 * Only dead-letter streams of the application's own subscriptions can be redriven.
 */
@Endpoint(id = RillEndpoint.ID, defaultSensitive = true)
@Requires(classes = Endpoint.class)
@Requires(beans = RillSubscriptions.class)
public class RillEndpoint {

    public static final String ID = "rill";
    public static final String PAUSE = "pause";
    public static final String RESUME = "resume";
    public static final String REDRIVE = "redrive";
    public static final String SEEK = "seek";

    private static final Logger log = LoggerFactory.getLogger(RillEndpoint.class);
    /** How long one XPENDING, XINFO GROUPS or XLEN may take before the figure is left out. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    private final RillSubscriptions subscriptions;
    private final RedisConnections connections;
    /** One connection per micronaut-redis server ("" for the primary), opened on first use. */
    private final Map<String, StatefulRedisConnection<String, String>> open = new LinkedHashMap<>();

    public RillEndpoint(RillSubscriptions subscriptions, RedisConnections connections) {
        this.subscriptions = subscriptions;
        this.connections = connections;
    }

    /** {@code GET /rill}: the subscriptions and the dead-letter streams. */
    @Read
    @ExecuteOn(TaskExecutors.BLOCKING)
    public Map<String, Object> overview() {
        List<Map<String, Object>> listed = new ArrayList<>();
        Map<DeadLetterStream, Map<String, Object>> deadLetters = new LinkedHashMap<>();
        for (SubscriptionInfo s : subscriptions.list()) {
            listed.add(describe(s));
            for (DeadLetterStream d : deadLetterStreams(s)) {
                deadLetters.computeIfAbsent(d, this::describe);
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subscriptions", listed);
        body.put("deadLetters", List.copyOf(deadLetters.values()));
        return body;
    }

    /**
     * {@code POST /rill/{operation}}: {@code pause} or {@code resume} a subscription ({@code id}), {@code seek}
     * its group to a {@code position} (on its streams, or on {@code stream}), or {@code redrive} a dead-letter
     * stream ({@code stream}; {@code from} and {@code to} bound the IDs, {@code -} and {@code +} by default;
     * {@code connection} picks the server when several hold the stream).
     */
    @Write
    @ExecuteOn(TaskExecutors.BLOCKING)
    public Map<String, Object> operate(@Selector String operation, @Nullable String id, @Nullable String stream,
            @Nullable String from, @Nullable String to, @Nullable String connection, @Nullable String position) {
        try {
            return run(operation, id, stream, from, to, connection, position);
        } catch (IllegalStateException e) {
            // the application is stopping; a seek while the subscription reads
            throw new HttpStatusException(HttpStatus.CONFLICT, e.getMessage());
        }
    }

    private Map<String, Object> run(String operation, String id, String stream, String from, String to, String connection,
            String position) {
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
                DeadLetterStream target = requireDeadLetterStream(stream, connection);
                long redriven = subscriptions.deadLetters(target.connection(), target.stream())
                        .redrive(from == null || from.isBlank() ? "-" : from, to == null || to.isBlank() ? "+" : to);
                log.info("Redrove {} dead letters of {} through the rill endpoint", redriven, target.stream());
                Map<String, Object> body = describe(target);
                body.put("redriven", redriven);
                return body;
            }
            case SEEK -> {
                return seek(requireSubscription(id), requirePosition(position), stream);
            }
            default -> throw new HttpStatusException(HttpStatus.BAD_REQUEST, "unknown operation '" + operation
                    + "': POST /rill/pause or /rill/resume with {\"id\": ...}, /rill/seek with {\"id\": ..., "
                    + "\"position\": ...}, or /rill/redrive with {\"stream\": ...}");
        }
    }

    /** Moves the subscription's group; answers with the subscription and each stream's new last delivered ID. */
    private Map<String, Object> seek(String id, StartPosition position, String stream) {
        SubscriptionInfo s = subscriptions.get(id).orElseThrow();
        if (stream != null && !s.options().streams().contains(stream)) {
            throw new HttpStatusException(HttpStatus.NOT_FOUND, "subscription '" + id + "' does not read stream '" + stream
                    + "'; it reads " + s.options().streams());
        }
        List<String> moved;
        try {
            moved = subscriptions.seek(id, position, stream);
        } catch (IllegalArgumentException e) {
            throw new HttpStatusException(HttpStatus.NOT_FOUND, e.getMessage()); // no such group or stream in Redis
        }
        log.info("Moved the group of {} to {} on {} through the rill endpoint", id, position, moved);
        Map<String, Object> lastDelivered = new LinkedHashMap<>();
        for (String source : moved) {
            try {
                lastDelivered.put(source, String.valueOf(groupField(connection(s.connection()).sync().xinfoGroups(source),
                        s.options().group(), "last-delivered-id")));
            } catch (RedisException e) {
                lastDelivered.put(source, "?"); // moved, but Redis did not say where to: GET /rill tells
            }
        }
        Map<String, Object> body = describe(subscriptions.get(id).orElseThrow());
        body.put("position", position.toString());
        body.put("lastDeliveredIds", lastDelivered);
        return body;
    }

    private static StartPosition requirePosition(String position) {
        if (position == null || position.isBlank()) {
            throw new HttpStatusException(HttpStatus.BAD_REQUEST, "name the position: {\"position\": \"earliest\"}, "
                    + "\"latest\", an entry ID (\"1700000000000-0\") or an ISO-8601 time (\"2026-11-30T10:00:00Z\")");
        }
        try {
            return StartPosition.parse(position);
        } catch (IllegalArgumentException e) {
            throw new HttpStatusException(HttpStatus.BAD_REQUEST, e.getMessage());
        }
    }

    private String requireSubscription(String id) {
        if (id == null || id.isBlank()) {
            throw new HttpStatusException(HttpStatus.BAD_REQUEST, "name the subscription: {\"id\": \"group/consumer/streams\"}");
        }
        if (subscriptions.get(id).isEmpty()) {
            List<String> ids = subscriptions.list().stream().map(SubscriptionInfo::id).toList();
            throw new HttpStatusException(HttpStatus.NOT_FOUND, "no Rill subscription '" + id + "'; there are " + ids);
        }
        return id;
    }

    private DeadLetterStream requireDeadLetterStream(String stream, String connection) {
        if (stream == null || stream.isBlank()) {
            throw new HttpStatusException(HttpStatus.BAD_REQUEST, "name the dead-letter stream: {\"stream\": \"orders:dlq\"}");
        }
        Set<DeadLetterStream> known = new LinkedHashSet<>();
        for (SubscriptionInfo s : subscriptions.list()) {
            known.addAll(deadLetterStreams(s));
        }
        List<DeadLetterStream> matching = known.stream()
                .filter(d -> d.stream().equals(stream) && (connection == null || d.connection().equals(connection)))
                .toList();
        if (matching.isEmpty()) {
            throw new HttpStatusException(HttpStatus.NOT_FOUND, "'" + stream + "'" + (connection == null ? "" : " on "
                    + RedisConnections.describe(connection)) + " is not a dead-letter stream of this application's "
                    + "subscriptions; they are " + known.stream().map(DeadLetterStream::stream).distinct().toList());
        }
        if (matching.size() > 1) {
            throw new HttpStatusException(HttpStatus.BAD_REQUEST, "'" + stream + "' is a dead-letter stream on several "
                    + "Redis servers: add {\"connection\": \"\"} for the primary or a redis.servers name, one of "
                    + matching.stream().map(DeadLetterStream::connection).toList());
        }
        return matching.getFirst();
    }

    private Map<String, Object> describe(SubscriptionInfo s) {
        SubscriptionOptions options = s.options();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", s.id());
        body.put("listener", s.listener());
        body.put("connection", s.connection());
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
        body.put("deadLetterStreams", deadLetterStreams(s).stream().map(DeadLetterStream::stream).toList());
        return body;
    }

    /**
     * {@code pending}: the group's pending entries over the subscription's streams; {@code pendingHere}: this
     * consumer's share; {@code lag}: entries not yet delivered to the group (Redis 7+; left out when Redis
     * can't say, e.g. after deletions). Left out when Redis does not answer.
     */
    private void putGroupFigures(Map<String, Object> body, SubscriptionInfo s) {
        String group = s.options().group();
        String consumer = s.options().consumer();
        try {
            long pending = 0;
            long pendingHere = 0;
            Long lag = 0L;
            for (String stream : s.options().streams()) {
                PendingMessages summary = connection(s.connection()).sync().xpending(stream, group);
                pending += summary.getCount();
                if (consumer != null) {
                    pendingHere += summary.getConsumerMessageCount().getOrDefault(consumer, 0L);
                }
                Long streamLag = lag(connection(s.connection()).sync().xinfoGroups(stream), group);
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

    /** The {@code lag} XINFO GROUPS reports for {@code group}, or null when absent or nil. */
    private static Long lag(List<Object> groups, String group) {
        return groupField(groups, group, "lag") instanceof Long lag ? lag : null;
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

    private Map<String, Object> describe(DeadLetterStream d) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("stream", d.stream());
        body.put("connection", d.connection());
        try {
            body.put("count", connection(d.connection()).sync().xlen(d.stream()));
        } catch (RedisException e) {
            body.put("redisError", e.getMessage());
        }
        return body;
    }

    private static List<DeadLetterStream> deadLetterStreams(SubscriptionInfo s) {
        DeadLetterOptions deadLetter = s.options().deadLetter();
        if (!deadLetter.enabled()) {
            return List.of();
        }
        Set<DeadLetterStream> streams = new LinkedHashSet<>();
        for (String source : s.options().streams()) {
            streams.add(new DeadLetterStream(s.connection(), deadLetter.streamFor(source)));
        }
        return List.copyOf(streams);
    }

    private synchronized StatefulRedisConnection<String, String> connection(String name) {
        StatefulRedisConnection<String, String> connection = open.get(name);
        if (connection == null || !connection.isOpen()) {
            connection = connections.client(name).connect();
            connection.setTimeout(COMMAND_TIMEOUT);
            open.put(name, connection);
        }
        return connection;
    }

    @PreDestroy
    synchronized void close() {
        open.values().forEach(StatefulRedisConnection::close);
        open.clear();
    }

    /** A dead-letter stream on one micronaut-redis server ("" for the primary). */
    private record DeadLetterStream(String connection, String stream) {
    }
}
