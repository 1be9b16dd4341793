package io.rill.micronaut;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.lettuce.core.XAddArgs;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Requires;
import io.rill.StartPosition;
import io.rill.micronaut.annotation.MessageId;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.testing.RedisFixture;
import io.rill.testing.RedisServer;

/**
 * Issue 12, item 8: {@code rill.consumers.<group>.start-position} and {@code @Stream(startFrom)} take an entry
 * ID or an ISO-8601 time besides earliest and latest; a new group reads exactly from there, the entry at the
 * position included.
 */
class StartPositionConfigTest {

    static final String SPEC = "StartPositionConfigTest";

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "from-time", consumer = "c1")
    static class FromTime {
        final List<String> handled = new CopyOnWriteArrayList<>();

        @Stream("sp:a")
        void on(@MessageId String id) {
            handled.add(id);
        }
    }

    @Requires(property = "spec.name", value = SPEC)
    @RedisStreamListener(group = "from-id", consumer = "c1")
    static class FromId {
        final List<String> handled = new CopyOnWriteArrayList<>();

        @Stream(value = "sp:b", startFrom = "2000-1")
        void on(@MessageId String id) {
            handled.add(id);
        }
    }

    @Test
    void aNewGroupStartsAtTheConfiguredIdOrTime() {
        try (RedisServer server = RedisServer.start(); RedisFixture redis = new RedisFixture(server)) {
            for (String stream : List.of("sp:a", "sp:b")) {
                for (String id : List.of("1000-0", "1999-9", "2000-0", "2000-1", "3000-0")) {
                    redis.commands().xadd(stream, new XAddArgs().id(id), Map.of("n", id));
                }
            }
            Map<String, Object> properties = Map.of("spec.name", SPEC, "redis.uri", server.uri(),
                    "rill.consumers.default.block-timeout", "200ms",
                    "rill.consumers.from-time.start-position", "1970-01-01T00:00:02Z");
            try (ApplicationContext context = ApplicationContext.run(properties)) {
                FromTime fromTime = context.getBean(FromTime.class);
                FromId fromId = context.getBean(FromId.class);
                await().atMost(Duration.ofSeconds(10)).until(() -> fromTime.handled.size() >= 3 && fromId.handled.size() >= 2);
                await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                        .until(() -> fromTime.handled.size() == 3 && fromId.handled.size() == 2);
                assertEquals(List.of("2000-0", "2000-1", "3000-0"), fromTime.handled);
                assertEquals(List.of("2000-1", "3000-0"), fromId.handled);

                RillSubscriptions subscriptions = context.getBean(RillSubscriptions.class);
                assertEquals(StartPosition.at(Instant.ofEpochMilli(2000)),
                        subscriptions.get("from-time/c1/sp:a").orElseThrow().options().startPosition());
                assertEquals(StartPosition.at("2000-1"), subscriptions.get("from-id/c1/sp:b").orElseThrow().options().startPosition());
            }
        }
    }
}
