package io.rill.bench.contender;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.core.StreamOperations;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.stream.StreamListener;
import org.springframework.data.redis.stream.StreamMessageListenerContainer;
import org.springframework.data.redis.stream.StreamMessageListenerContainer.StreamMessageListenerContainerOptions;
import org.springframework.data.redis.stream.Subscription;

import io.lettuce.core.RedisURI;

/**
 * Spring Data Redis's {@code StreamMessageListenerContainer}, the way its reference documentation
 * shows it: a {@code LettuceConnectionFactory} with Spring Boot's defaults (no pool), string
 * serializers, one subscription. Only COUNT and BLOCK are set, to the plain loop's values.
 * <ul>
 *   <li>{@link Ack#PER_MESSAGE}: {@code receive} and {@code StreamOperations.acknowledge} in the
 *       listener after the work, one synchronous XACK per entry (at-least-once);</li>
 *   <li>{@link Ack#AUTO_ACK}: {@code receiveAutoAck}, which reads with NOACK (at-most-once).</li>
 * </ul>
 */
public final class SpringContainer implements Contender {

    public enum Ack { PER_MESSAGE, AUTO_ACK }

    private final Ack ack;
    private final int batch;

    public SpringContainer(Ack ack, int batch) {
        this.ack = ack;
        this.batch = batch;
    }

    /** True for the at-least-once variant, one XACK per entry. */
    public boolean acksPerMessage() {
        return ack == Ack.PER_MESSAGE;
    }

    @Override
    public String name() {
        return ack == Ack.PER_MESSAGE ? "Spring Data Redis, ack per message" : "Spring Data Redis, receiveAutoAck";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public String semantics() {
        return ack == Ack.PER_MESSAGE ? "at-least-once" : "at-most-once";
    }

    @Override
    public String setup() {
        return "StreamMessageListenerContainer, batchSize " + batch + ", pollTimeout 100 ms, "
                + (ack == Ack.PER_MESSAGE ? "receive + StreamOperations.acknowledge per message"
                        : "receiveAutoAck (XREADGROUP NOACK)")
                + ", LettuceConnectionFactory without pool";
    }

    @Override
    public Consumption start(String uri, String stream, String group, EntrySink sink) throws Exception {
        RedisURI parsed = RedisURI.create(uri);
        LettuceConnectionFactory factory = new LettuceConnectionFactory(parsed.getHost(), parsed.getPort());
        factory.afterPropertiesSet();
        factory.start();
        StreamOperations<String, String, String> ops = new StringRedisTemplate(factory).opsForStream();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stopping = new AtomicBoolean();
        StreamMessageListenerContainerOptions<String, MapRecord<String, String, String>> options = StreamMessageListenerContainerOptions
                .builder()
                .batchSize(batch)
                .pollTimeout(Duration.ofMillis(100))
                .errorHandler(e -> {
                    if (!stopping.get()) { // a poll cut short by the stop is not a failure
                        failure.compareAndSet(null, e);
                    }
                })
                .build();
        StreamMessageListenerContainer<String, MapRecord<String, String, String>> container = StreamMessageListenerContainer
                .create(factory, options);
        Consumer consumer = Consumer.from(group, "sdr");
        StreamOffset<String> offset = StreamOffset.create(stream, ReadOffset.lastConsumed());
        Subscription subscription;
        if (ack == Ack.PER_MESSAGE) {
            StreamListener<String, MapRecord<String, String, String>> listener = record -> {
                sink.accept(record.getValue());
                ops.acknowledge(group, record);
            };
            subscription = container.receive(consumer, offset, listener);
        } else {
            subscription = container.receiveAutoAck(consumer, offset, record -> sink.accept(record.getValue()));
        }
        container.start();
        if (!subscription.await(Duration.ofSeconds(10))) {
            throw new IllegalStateException(name() + ": the container's subscription did not start within 10 s");
        }
        return () -> {
            stopping.set(true);
            container.stop();
            // stop() does not wait for the poll thread: let its last BLOCK end before the connections go
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (subscription.isActive() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(5_000_000);
            }
            factory.destroy();
            if (failure.get() != null) {
                throw new IllegalStateException(name() + " failed", failure.get());
            }
        };
    }
}
