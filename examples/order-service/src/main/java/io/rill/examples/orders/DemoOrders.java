package io.rill.examples.orders;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.scheduling.annotation.Scheduled;
import io.rill.micronaut.IdempotentStreamPublisher;
import io.rill.publish.OutboxFullException;
import jakarta.inject.Singleton;

/**
 * Demo mode's producer: appends orders to stream {@code orders} at {@code demo.rate} per second, every
 * {@code demo.invalid-every}-th one with an amount billing rejects. Each order goes through the idempotent,
 * buffered path ({@code rill.producer.*} in application.yml): its {@code orderId} is the idempotency key, so
 * an order sent twice is one entry, and it is journaled in the outbox first, so orders taken while Redis is
 * away wait on disk (a crash included) and reach the stream in order when it is back.
 */
@Singleton
@Requires(property = "demo.enabled", value = "true")
public class DemoOrders {

    private static final Logger log = LoggerFactory.getLogger(DemoOrders.class);
    private static final List<String> BAD_AMOUNTS = List.of("twelve", "-5.00", "0", "");

    private final IdempotentStreamPublisher publisher;
    private final double rate;
    private final int invalidEvery;
    private final String prefix = "o-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000)) + "-";
    private final AtomicLong produced = new AtomicLong();
    private final long started = System.nanoTime();
    private long issued; // the scheduler runs one tick at a time
    private boolean full; // the outbox was full at the last tick

    DemoOrders(IdempotentStreamPublisher publisher, @Value("${demo.rate:20}") double rate,
            @Value("${demo.invalid-every:10}") int invalidEvery) {
        if (rate <= 0) {
            throw new IllegalArgumentException("demo.rate must be > 0 orders per second, was " + rate);
        }
        if (invalidEvery < 0) {
            throw new IllegalArgumentException("demo.invalid-every must be >= 0 (0: every order is valid), was " + invalidEvery);
        }
        this.publisher = publisher;
        this.rate = rate;
        this.invalidEvery = invalidEvery;
    }

    /** When production started ({@link System#nanoTime()}). */
    long startedNanos() {
        return started;
    }

    /** Orders appended so far. */
    public long produced() {
        return produced.get();
    }

    @Scheduled(fixedRate = "100ms")
    void produce() {
        // keep to the rate since start, so that a late tick does not lower it; more than a second behind
        // (Redis away), skip the missed orders rather than burst them
        long target = (long) ((System.nanoTime() - started) / 1e9 * rate);
        long due = target - issued;
        if (due > Math.max(1, rate)) {
            issued = target - (long) Math.max(1, rate);
            due = target - issued;
        }
        if (due <= 0) {
            return;
        }
        List<Map<String, String>> orders = new ArrayList<>((int) due);
        for (long i = 1; i <= due; i++) {
            orders.add(order(issued + i));
        }
        issued += due;
        for (Map<String, String> order : orders) {
            try {
                // returns once the order is in the outbox journal; Redis gets it now, or when it is back
                publisher.publish("orders", order.get("orderId"), order);
                produced.incrementAndGet();
                if (full) {
                    full = false;
                    log.info("The outbox takes orders again");
                }
            } catch (OutboxFullException e) {
                if (!full) {
                    full = true;
                    log.warn("Orders are not taken while the outbox is full: {}", e.getMessage());
                }
                return;
            } catch (IllegalStateException e) {
                return; // the application is stopping and the publisher is closed
            } catch (RuntimeException e) {
                log.warn("Could not take order {}: {}", order.get("orderId"), e.toString());
                return;
            }
        }
    }

    private Map<String, String> order(long n) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        boolean invalid = invalidEvery > 0 && n % invalidEvery == 0;
        String amount = invalid ? BAD_AMOUNTS.get((int) (n / invalidEvery % BAD_AMOUNTS.size()))
                : random.nextInt(1, 500) + "." + String.format("%02d", random.nextInt(100));
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("orderId", prefix + n);
        fields.put("customer", "c-" + random.nextInt(1, 21));
        fields.put("amount", amount);
        return fields;
    }
}
