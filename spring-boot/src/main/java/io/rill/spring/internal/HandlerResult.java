package io.rill.spring.internal;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.ResolvableType;

/**
 * What a listener method's return value means, checked at startup from the declared type, and the wait
 * for it at run time.
 *
 * <ul>
 *   <li>{@code void}: the method's return is the outcome;</li>
 *   <li>a {@link CompletionStage} or a Reactive Streams {@link Publisher} (Reactor {@code Mono}/{@code Flux},
 *       or a reactive type Spring's {@link ReactiveAdapterRegistry} adapts, such as RxJava's): the calling
 *       worker waits for it to complete; its completion is the method's success, its error the method's
 *       failure. A Publisher is subscribed once, with unbounded demand; its elements are dropped unless
 *       {@code @SendTo} writes them. An interrupt of the worker (handler-timeout, a stop past
 *       shutdown-timeout) cancels the future or the subscription and is passed on;</li>
 *   <li>anything else: only with {@code @SendTo}, which writes the value.</li>
 * </ul>
 * Because the worker waits, an asynchronous method holds its place in its lane and in the in-flight window
 * exactly as a synchronous one does: ordering, {@code concurrency}, {@code handler-timeout} and graceful stop
 * are unchanged.
 */
final class HandlerResult {

    private static final String CONTINUATION = "kotlin.coroutines.Continuation";

    private final boolean keepElements;
    /** The declared type, when it is a CompletionStage or a Publisher: null is then no result at all. */
    private final String asyncType;
    private final ReactiveAdapter adapter;

    private HandlerResult(boolean keepElements, String asyncType, ReactiveAdapter adapter) {
        this.keepElements = keepElements;
        this.asyncType = asyncType;
        this.adapter = adapter;
    }

    /**
     * Checks a listener method's return type.
     *
     * @param sendTo whether the method has {@code @SendTo} streams
     * @throws IllegalArgumentException saying why the type can't be used, and what to do
     */
    static HandlerResult of(Method method, boolean sendTo) {
        Class<?>[] parameters = method.getParameterTypes();
        if (parameters.length > 0 && parameters[parameters.length - 1].getName().equals(CONTINUATION)) {
            throw new IllegalArgumentException("Kotlin suspend listener functions are not supported: declare a plain "
                    + "function that returns a CompletableFuture (kotlinx-coroutines: scope.future { ... }) or a Mono "
                    + "(kotlinx-coroutines-reactor: mono { ... }); Rill awaits either before acknowledging the entry");
        }
        ResolvableType returnType = ResolvableType.forMethodReturnType(method);
        Class<?> type = method.getReturnType();
        String typeName = returnType.toString();
        boolean nothingInside = returnType.getGeneric(0).resolve() == Void.class;
        ReactiveAdapter adapter = null;
        String asyncType = null;
        if (type == void.class || type == Void.class) {
            if (sendTo) {
                throw new IllegalArgumentException("@SendTo on a method that returns nothing to send");
            }
        } else if (CompletionStage.class.isAssignableFrom(type)) {
            if (sendTo && nothingInside) {
                throw new IllegalArgumentException("@SendTo on a method that returns " + typeName + ", which completes with "
                        + "nothing to send");
            }
            asyncType = typeName;
        } else if (Future.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException("returns " + typeName + ", a Future that can't tell when it completes: "
                    + "return a CompletableFuture or CompletionStage (awaited before the entry is acknowledged)");
        } else if (Publisher.class.isAssignableFrom(type)
                || (adapter = ReactiveAdapterRegistry.getSharedInstance().getAdapter(type)) != null) {
            if (sendTo && (nothingInside || adapter != null && adapter.isNoValue())) {
                throw new IllegalArgumentException("@SendTo on a method that returns " + typeName + ", which emits nothing "
                        + "to send");
            }
            asyncType = typeName;
        } else if (!sendTo) {
            throw new IllegalArgumentException("returns " + typeName + ", which nothing would use: a listener method "
                    + "returns void, a CompletionStage or a Reactive Streams Publisher (awaited: the entry is acknowledged "
                    + "when it completes), or, with @SendTo, the value to write");
        }
        return new HandlerResult(sendTo, asyncType, adapter);
    }

    /**
     * Waits for what the method returned.
     *
     * @return the value for {@code @SendTo}: a plain return value as it is, a stage's value, a Publisher's
     *         elements as a List; null without {@code @SendTo}
     * @throws InterruptedException when the worker was interrupted; the future or subscription is cancelled
     * @throws Exception            the stage's or Publisher's error, unwrapped; an IllegalStateException
     *                              when a method declared to return one returned null
     */
    Object await(Object returned) throws Exception {
        if (returned == null && asyncType != null) {
            throw new IllegalStateException("the method returned null instead of a " + asyncType + "; return a completed "
                    + "one when there is nothing to wait for (CompletableFuture.completedFuture(null), Mono.empty())");
        }
        if (returned instanceof CompletionStage<?> stage) {
            return awaitStage(stage);
        }
        if (returned instanceof Publisher<?> publisher) {
            return awaitPublisher(publisher);
        }
        if (returned != null && adapter != null) {
            return awaitPublisher(adapter.toPublisher(returned));
        }
        return returned;
    }

    private Object awaitStage(CompletionStage<?> stage) throws Exception {
        // not stage.toCompletableFuture(): a CompletionStage may refuse it
        CompletableFuture<Object> done = new CompletableFuture<>();
        stage.whenComplete((value, error) -> {
            if (error != null) {
                done.completeExceptionally(error);
            } else {
                done.complete(value);
            }
        });
        try {
            Object value = done.get();
            return keepElements ? value : null;
        } catch (InterruptedException e) {
            if (stage instanceof Future<?> future) {
                future.cancel(true);
            }
            throw e;
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        }
    }

    private Object awaitPublisher(Publisher<?> publisher) throws Exception {
        Waiter waiter = new Waiter(keepElements);
        publisher.subscribe(waiter);
        try {
            List<Object> elements = waiter.done.get();
            return keepElements ? elements : null;
        } catch (InterruptedException e) {
            waiter.cancel();
            throw e;
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        }
    }

    /** The error a stage or Publisher failed with, as the method would have thrown it. */
    private static Exception failure(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof Exception e) {
            return e;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(cause.toString(), cause);
    }

    /** Subscribes with unbounded demand and completes {@link #done} with the elements (when kept). */
    private static final class Waiter implements Subscriber<Object> {
        final CompletableFuture<List<Object>> done = new CompletableFuture<>();
        private final List<Object> elements;
        private final AtomicReference<Subscription> subscription = new AtomicReference<>();
        private volatile boolean cancelled;

        Waiter(boolean keepElements) {
            this.elements = keepElements ? new ArrayList<>() : null;
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (!subscription.compareAndSet(null, s)) {
                s.cancel(); // rule 2.5: a second subscription is refused
                return;
            }
            if (cancelled) {
                s.cancel();
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(Object element) {
            if (elements != null) {
                elements.add(element); // signals are serial (rule 1.3)
            }
        }

        @Override
        public void onError(Throwable error) {
            done.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            done.complete(elements == null ? List.of() : elements);
        }

        void cancel() {
            cancelled = true;
            Subscription s = subscription.get();
            if (s != null) {
                s.cancel();
            }
        }
    }
}
