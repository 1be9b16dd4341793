package io.rill.internal.retry;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.rill.RetryOptions;

/** Retry decisions (semantics 7): another attempt or not; the fate of the entry is not decided here. */
class RetrierTest {

    @Test
    void retriesRetryableErrorsUntilTheLastAttempt() {
        Retrier retrier = new Retrier(RetryOptions.builder().maxAttempts(3).nonRetryable(IllegalArgumentException.class).build());
        assertTrue(retrier.retries(1, new IllegalStateException()));
        assertTrue(retrier.retries(2, new IllegalStateException()));
        assertFalse(retrier.retries(3, new IllegalStateException()), "the third attempt is the last");
        assertFalse(retrier.retries(1, new IllegalArgumentException()), "non-retryable");
        assertFalse(new Retrier(RetryOptions.builder().maxAttempts(1).build()).retries(1, new RuntimeException()));
    }

    @Test
    void theJvmsOwnFailuresAreNeverRetriedInPlace() {
        Retrier retrier = new Retrier(RetryOptions.builder().maxAttempts(5).build()); // retryable: every Throwable
        assertFalse(retrier.retries(1, new StackOverflowError()));
        assertFalse(retrier.retries(1, new OutOfMemoryError("Java heap space")));
        assertTrue(retrier.retries(1, new AssertionError("an ordinary Error a handler may throw")));
    }

    @Test
    void aStopEndsABackoffWaitAndEveryLaterOne() throws Exception {
        Retrier retrier = new Retrier(RetryOptions.builder().backoff(Duration.ofHours(1), Duration.ofHours(1), 1.0, 0).build());
        Thread stopper = Thread.ofPlatform().start(retrier::stop);
        stopper.join();
        assertFalse(retrier.pause(1), "an hour's backoff after a stop gives up at once");
    }

    @Test
    void anInterruptEndsABackoffWaitAndStaysSet() {
        Retrier retrier = new Retrier(RetryOptions.builder().backoff(Duration.ofHours(1), Duration.ofHours(1), 1.0, 0).build());
        Thread.currentThread().interrupt();
        try {
            assertFalse(retrier.pause(1));
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }
}
