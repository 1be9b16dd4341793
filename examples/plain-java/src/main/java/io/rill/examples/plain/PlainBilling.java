package io.rill.examples.plain;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.rill.DeadLetterOptions;
import io.rill.ReclaimOptions;
import io.rill.Rill;
import io.rill.StartPosition;
import io.rill.StreamEntry;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.testing.RedisServer;

/**
 * The order-service's billing with rill-core alone: consumes stream {@code orders} in group {@code billing},
 * appends one entry to {@code invoices} per valid order, and lets an order whose amount is not a positive
 * decimal fail until it lands in {@code orders:dlq}. {@code main} adds 20 orders (every fifth one bad), runs
 * until all are billed or dead-lettered, and prints the outcome. Uses the Redis named by REDIS_URI, else
 * starts a throwaway one (Docker, else a local redis-server).
 */
public final class PlainBilling {

    static final BigDecimal TAX_RATE = new BigDecimal("0.20");

    private PlainBilling() {
    }

    public static void main(String[] args) throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            System.out.println("Using Redis at " + redis.uri());
            RedisClient client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisCommands<String, String> commands = connection.sync();
                for (int i = 1; i <= 20; i++) {
                    commands.xadd("orders", Map.of("orderId", "o-" + i, "customer", "c-" + (i % 3),
                            "amount", i % 5 == 0 ? "twelve" : i + ".50"));
                }
                Rill rill = start(client, "billing-1");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (commands.xlen("invoices") + commands.xlen("orders:dlq") < 20 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                rill.close(Duration.ofSeconds(10)); // graceful: in-flight handlers finish, acks are flushed
                System.out.println(commands.xlen("invoices") + " invoices, " + commands.xlen("orders:dlq")
                        + " dead letters in orders:dlq");
                System.out.println("first invoice: " + commands.xrange("invoices", Range.create("-", "+")).getFirst().getBody());
            } finally {
                client.shutdown();
            }
        }
    }

    /** Subscribes billing to {@code orders} as {@code consumer}; closing the returned Rill stops it. */
    static Rill start(RedisClient client, String consumer) {
        StatefulRedisConnection<String, String> output = client.connect(); // closed with the client
        // tag::quick-start[]
        Rill rill = Rill.create(client);
        SubscriptionOptions options = SubscriptionOptions.builder()
                .streams("orders")
                .group("billing")
                .consumer(consumer)
                .startPosition(StartPosition.EARLIEST) // a new group starts at the beginning of the stream
                .reclaim(ReclaimOptions.builder().minIdle(Duration.ofSeconds(2)).build()) // failed entries come back after 2 s
                .deadLetter(DeadLetterOptions.builder().maxFailures(6).build())          // 2 deliveries of 3 attempts; then to orders:dlq
                .build();
        Subscription subscription = rill.subscribe(options, entry -> {
            // a bad amount throws: retried (3 attempts), left pending, reclaimed, and finally dead-lettered
            Map<String, String> invoice = invoice(entry);
            output.sync().xadd("invoices", invoice);
            // returning normally acknowledges the order (XACK, batched)
        });
        // end::quick-start[]
        System.out.println("Subscription " + subscription.id() + " started");
        return rill;
    }

    /** The invoice's fields for an order entry: orderId, customer, amount, tax, total. */
    static Map<String, String> invoice(StreamEntry order) {
        BigDecimal amount = positiveAmount(order);
        BigDecimal tax = amount.multiply(TAX_RATE).setScale(2, RoundingMode.HALF_EVEN);
        Map<String, String> invoice = new LinkedHashMap<>();
        invoice.put("orderId", order.field("orderId"));
        invoice.put("customer", order.field("customer"));
        invoice.put("amount", amount.toPlainString());
        invoice.put("tax", tax.toPlainString());
        invoice.put("total", amount.add(tax).toPlainString());
        return invoice;
    }

    private static BigDecimal positiveAmount(StreamEntry order) {
        String text = order.field("amount");
        BigDecimal amount;
        try {
            amount = new BigDecimal(String.valueOf(text).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("order " + order.field("orderId") + ": amount '" + text + "' is not a decimal");
        }
        if (amount.signum() <= 0) {
            throw new IllegalArgumentException("order " + order.field("orderId") + ": amount " + text + " is not positive");
        }
        return amount;
    }
}
