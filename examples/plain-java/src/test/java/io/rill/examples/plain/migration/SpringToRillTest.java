package io.rill.examples.plain.migration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.Rill;
import io.rill.testing.RedisServer;

/** Both sides of the migration guide bill the same orders and leave nothing pending. */
class SpringToRillTest {

    @Test
    void theSpringContainerAndRillBillTheSameOrders() {
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClient.create(server.uri());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisCommands<String, String> redis = connection.sync();
                for (int i = 1; i <= 5; i++) {
                    redis.xadd("orders", Map.of("orderId", "o-" + i, "amount", i + ".00"));
                }

                List<String> bySpring = new CopyOnWriteArrayList<>();
                SpringToRill.Spring spring = SpringToRill.spring(server.host(), server.port(), order -> bySpring.add(order.get("orderId")));
                try {
                    await().atMost(Duration.ofSeconds(20)).until(() -> bySpring.size() == 5);
                    await().atMost(Duration.ofSeconds(10)).until(() -> redis.xpending("orders", "billing").getCount() == 0);
                } finally {
                    spring.stop();
                }
                assertEquals(List.of("o-1", "o-2", "o-3", "o-4", "o-5"), bySpring);

                // after the switch Rill goes on where the container stopped: same group, new entries only
                for (int i = 6; i <= 8; i++) {
                    redis.xadd("orders", Map.of("orderId", "o-" + i, "amount", i + ".00"));
                }
                List<String> byRill = new CopyOnWriteArrayList<>();
                Rill rill = SpringToRill.rill(server.uri(), order -> byRill.add(order.get("orderId")));
                try {
                    await().atMost(Duration.ofSeconds(20)).until(() -> byRill.size() == 3);
                    await().atMost(Duration.ofSeconds(10)).until(() -> redis.xpending("orders", "billing").getCount() == 0);
                } finally {
                    rill.close(Duration.ofSeconds(10));
                }
                assertEquals(List.of("o-6", "o-7", "o-8"), byRill);
            } finally {
                client.shutdown();
            }
        }
    }
}
