package io.rill.examples.orders;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Demo mode's producer: appends orders to stream {@code orders} at {@code demo.rate} per second, every
 * {@code demo.invalid-every}-th one with an amount billing rejects. Written with Spring Data Redis, as a Spring
 * service that produces would.
 */
@Component
@ConditionalOnBooleanProperty("demo.enabled")
public class DemoOrders {

    private static final Logger log = LoggerFactory.getLogger(DemoOrders.class);
    private static final List<String> BAD_AMOUNTS = List.of("twelve", "-5.00", "0", "");

    private final StringRedisTemplate redis;
    private final double rate;
    private final int invalidEvery;
    private final String prefix = "o-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000)) + "-";
    private final AtomicLong produced = new AtomicLong();
    private final long started = System.nanoTime();
    private long issued; // the scheduler runs one tick at a time

    DemoOrders(StringRedisTemplate redis, @Value("${demo.rate:20}") double rate, @Value("${demo.invalid-every:10}") int invalidEvery) {
        if (rate <= 0) {
            throw new IllegalArgumentException("demo.rate must be > 0 orders per second, was " + rate);
        }
        if (invalidEvery < 0) {
            throw new IllegalArgumentException("demo.invalid-every must be >= 0 (0: every order is valid), was " + invalidEvery);
        }
        this.redis = redis;
        this.rate = rate;
        this.invalidEvery = invalidEvery;
    }

    long startedNanos() {
        return started;
    }

    /** Orders appended so far. */
    public long produced() {
        return produced.get();
    }

    @Scheduled(fixedRate = 100)
    void produce() {
        // keep to the rate since start, so that a late tick does not lower it; more than a second behind
        // (Redis away), skip the missed orders rather than burst them
        long target = (long) ((System.nanoTime() - started) / 1e9 * rate);
        long due = target - issued;
        if (due > Math.max(1, rate)) {
            issued = target - (long) Math.max(1, rate);
            due = target - issued;
        }
        for (long i = 1; i <= due; i++) {
            try {
                redis.opsForStream().add(StreamRecords.mapBacked(order(issued + 1)).withStreamKey("orders"));
                produced.incrementAndGet();
            } catch (RuntimeException e) {
                log.warn("Could not append an order: {}", e.toString());
                break;
            } finally {
                issued++;
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
