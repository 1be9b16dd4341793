package io.rill.micronaut;

import static io.rill.micronaut.StartupFailures.assertMentions;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.micronaut.context.annotation.Requires;
import io.micronaut.messaging.annotation.SendTo;
import io.rill.micronaut.annotation.RedisStreamClient;
import io.rill.micronaut.annotation.RedisStreamListener;
import io.rill.micronaut.annotation.Stream;
import io.rill.testing.RedisServer;
import kotlin.Unit;
import kotlin.coroutines.Continuation;
import reactor.core.publisher.Mono;

/**
 * Return types that can't work fail startup, naming the bean, the method and the reason: a listener
 * method's value that nothing would use, a Future, a Kotlin suspend function (compiled, a function whose
 * last parameter is a Continuation), {@code @SendTo} on a result that carries nothing; a client method's
 * unsupported return type, a batch method without a List, an abstract method without {@code @Stream}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReturnTypeStartupFailureTest {

    @Requires(property = "spec.name", value = "unused-value")
    @RedisStreamListener(group = "g")
    static class UnusedValue {
        @Stream("rt:orders")
        String onOrder(String body) {
            return body;
        }
    }

    @Requires(property = "spec.name", value = "plain-future")
    @RedisStreamListener(group = "g")
    static class PlainFuture {
        @Stream("rt:orders")
        Future<?> onOrder(String body) {
            return CompletableFuture.completedFuture(null);
        }
    }

    @Requires(property = "spec.name", value = "kotlin-suspend")
    @RedisStreamListener(group = "g")
    static class KotlinSuspend {
        /** What {@code suspend fun onOrder(body: String)} compiles to. */
        @Stream("rt:orders")
        Object onOrder(String body, Continuation<? super Unit> continuation) {
            return Unit.INSTANCE;
        }
    }

    @Requires(property = "spec.name", value = "send-nothing")
    @RedisStreamListener(group = "g")
    static class SendNothing {
        @Stream("rt:orders")
        @SendTo("rt:invoices")
        Mono<Void> onOrder(String body) {
            return Mono.empty();
        }
    }

    @Requires(property = "spec.name", value = "transactional-without-send-to")
    @RedisStreamListener(group = "rt")
    static class TransactionalWithoutSendTo {
        @Stream(value = "rt:orders", transactional = false)
        void onOrder(String body) {
        }
    }

    @Requires(property = "spec.name", value = "client-return")
    @RedisStreamClient
    interface ClientReturn {
        @Stream("rt:orders")
        Integer send(String body);
    }

    @Requires(property = "spec.name", value = "client-batch")
    @RedisStreamClient
    interface ClientBatch {
        @Stream(value = "rt:orders", batch = true)
        List<String> sendAll(String body);
    }

    @Requires(property = "spec.name", value = "client-list-not-batch")
    @RedisStreamClient
    interface ClientListNotBatch {
        @Stream("rt:orders")
        List<String> sendAll(List<String> bodies);
    }

    @Requires(property = "spec.name", value = "client-unannotated")
    @RedisStreamClient
    interface ClientUnannotated {
        @Stream("rt:orders")
        void send(String body);

        void forgotten(String body);
    }

    private final RedisServer server = RedisServer.start();

    @AfterAll
    void stop() {
        server.close();
    }

    private String failure(String spec) {
        return StartupFailures.failure(spec, server.uri(), Map.of());
    }

    @Test
    void aListenerValueThatNothingUses() {
        assertMentions(failure("unused-value"), "@RedisStreamListener bean " + UnusedValue.class.getName(), "method onOrder",
                "returns String, which nothing would use", "@SendTo");
    }

    @Test
    void aListenerFuture() {
        assertMentions(failure("plain-future"), PlainFuture.class.getName(), "method onOrder", "Future",
                "return a CompletableFuture or CompletionStage");
    }

    @Test
    void aKotlinSuspendListener() {
        assertMentions(failure("kotlin-suspend"), KotlinSuspend.class.getName(), "method onOrder",
                "Kotlin suspend listener functions are not supported", "CompletableFuture", "Mono");
    }

    @Test
    void sendToOnAResultThatCarriesNothing() {
        assertMentions(failure("send-nothing"), SendNothing.class.getName(), "method onOrder",
                "@SendTo on a method that returns Mono<Void>, which emits nothing to send");
    }

    @Test
    void aClientReturnTypeThatIsNeitherAnIdNorAsync() {
        assertMentions(failure("client-return"), "@RedisStreamClient bean " + ClientReturn.class.getName(), "method send",
                "returns Integer", "CompletableFuture<String>", "Publisher<String>");
    }

    @Test
    void aClientBatchMethodWithoutAList() {
        assertMentions(failure("client-batch"), ClientBatch.class.getName(), "method sendAll",
                "@Stream(batch = true) but the body parameter 'body' is of type String");
        assertMentions(failure("client-list-not-batch"), ClientListNotBatch.class.getName(), "method sendAll",
                "returns List<String>", "set @Stream(batch = true)");
    }

    @Test
    void aClientMethodWithoutStream() {
        assertMentions(failure("client-unannotated"), ClientUnannotated.class.getName(), "method forgotten",
                "has no @Stream");
    }

    @Test
    void transactionalFalseWithoutSendTo() {
        assertMentions(failure("transactional-without-send-to"), TransactionalWithoutSendTo.class.getName(), "method onOrder",
                "@Stream(transactional = false) without @SendTo");
    }
}
