package io.rill.micronaut.produce;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.micronaut.context.env.Environment;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.AnnotationMetadata;
import io.micronaut.core.type.Argument;
import io.micronaut.inject.ExecutableMethod;
import io.micronaut.messaging.annotation.MessageBody;
import io.micronaut.messaging.annotation.MessageHeader;
import io.rill.micronaut.StreamPublisher;
import io.rill.micronaut.annotation.RedisStreamClient;
import io.rill.micronaut.annotation.Stream;
import io.rill.micronaut.config.AnnotationAttributes;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * How one {@link Stream} method of a {@link RedisStreamClient} writes, worked out from its signature:
 * checked for every client method at startup ({@link RedisStreamClientValidator}) and used by
 * {@link RedisStreamClientAdvice} on each call.
 *
 * <p>The body parameter (the one not annotated {@code @MessageHeader}, or the {@code @MessageBody} one) is
 * one entry; with {@code @Stream(batch = true)} it is a {@code List} (any {@code Iterable}) of bodies, one
 * entry each, sent pipelined. What the method returns:
 * <table>
 *   <caption>return types</caption>
 *   <tr><th></th><th>one body</th><th>batch</th></tr>
 *   <tr><td>blocking</td><td>{@code void}, {@code String} (the ID)</td><td>{@code void}, {@code List<String>} (the IDs)</td></tr>
 *   <tr><td>future</td><td>{@code CompletableFuture<String>}</td><td>{@code CompletableFuture<List<String>>}</td></tr>
 *   <tr><td>Publisher</td><td>{@code Publisher<String>}, {@code Mono<String>}</td><td>{@code Publisher<String>},
 *       {@code Flux<String>} (an ID each), {@code Mono<List<String>>}</td></tr>
 * </table>
 * A future ({@code CompletableFuture} or {@code CompletionStage}) is sent at once; a Publisher is cold: each
 * subscription sends the entries. {@code Void} in place of the IDs completes with nothing
 * ({@code CompletableFuture<Void>}, {@code Mono<Void>}).
 */
final class ClientMethod {

    /** How the result is handed back. */
    private enum Shape {
        BLOCKING, FUTURE, MONO, FLUX
    }

    /** What the result holds. */
    private enum Ids {
        NONE, ONE, ALL, EACH
    }

    private final String where;
    private final StreamPublisher publisher;
    private final String stream;
    private final long maxLen;
    private final int body;
    private final String[] fieldNames;
    private final boolean batch;
    private final Shape shape;
    private final Ids ids;

    private ClientMethod(String where, StreamPublisher publisher, String stream, long maxLen, int body, String[] fieldNames,
            boolean batch, Shape shape, Ids ids) {
        this.where = where;
        this.publisher = publisher;
        this.stream = stream;
        this.maxLen = maxLen;
        this.body = body;
        this.fieldNames = fieldNames;
        this.batch = batch;
        this.shape = shape;
        this.ids = ids;
    }

    /** {@code @RedisStreamClient bean com.example.Orders, method send}. */
    static String where(Class<?> client, String method) {
        return "@RedisStreamClient bean " + client.getName() + ", method " + method;
    }

    /**
     * Plans a client method.
     *
     * @param client the client interface, for messages
     * @throws ConfigurationException naming the bean, the method and what to fix
     */
    static ClientMethod of(Class<?> client, ExecutableMethod<?, ?> method, StreamPublishers publishers, Environment environment) {
        String where = where(client, method.getMethodName());
        try {
            return plan(where, method, publishers, environment);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(where + ": " + e.getMessage(), e);
        }
    }

    private static ClientMethod plan(String where, ExecutableMethod<?, ?> method, StreamPublishers publishers,
            Environment environment) {
        Argument<?>[] arguments = method.getArguments();
        if (method.isSuspend() || (arguments.length > 0
                && arguments[arguments.length - 1].getType().getName().equals("kotlin.coroutines.Continuation"))) {
            throw new IllegalArgumentException("Kotlin suspend client functions are not supported: declare a plain function "
                    + "that returns CompletableFuture<String> and await it (kotlinx-coroutines: .await())");
        }
        AnnotationMetadata metadata = method.getAnnotationMetadata();
        AnnotationAttributes client = AnnotationAttributes.of(metadata, RedisStreamClient.class, environment, where);
        AnnotationAttributes annotation = AnnotationAttributes.of(metadata, Stream.class, environment, where);
        String[] streams = annotation.strings("value");
        if (streams.length != 1) {
            throw new IllegalArgumentException("@Stream names " + streams.length + " streams; a client method writes to "
                    + "exactly one");
        }
        String maxLenText = annotation.string("maxLen");
        long maxLen;
        try {
            maxLen = maxLenText.isEmpty() ? StreamPublisher.NO_MAX_LEN : Long.parseLong(maxLenText.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("@Stream(maxLen) must be a whole number, was '" + maxLenText + "'");
        }
        if (maxLen < 0) {
            throw new IllegalArgumentException("@Stream(maxLen) must be 0 (no trimming) or more, was " + maxLen);
        }
        boolean batch = annotation.bool("batch", false);

        String[] fieldNames = new String[arguments.length];
        int body = -1;
        boolean anyField = false;
        for (int i = 0; i < arguments.length; i++) {
            if (arguments[i].getAnnotationMetadata().hasAnnotation(MessageBody.class)) {
                if (body >= 0) {
                    throw new IllegalArgumentException("parameters '" + arguments[body].getName() + "' and '"
                            + arguments[i].getName() + "' are both @MessageBody");
                }
                body = i;
            }
        }
        boolean marked = body >= 0;
        for (int i = 0; i < arguments.length; i++) {
            AnnotationMetadata parameter = arguments[i].getAnnotationMetadata();
            if (parameter.hasAnnotation(MessageHeader.class)) {
                fieldNames[i] = parameter.stringValue(MessageHeader.class).filter(s -> !s.isEmpty())
                        .or(() -> parameter.stringValue(MessageHeader.class, "name").filter(s -> !s.isEmpty()))
                        .orElse(arguments[i].getName());
                anyField = true;
            } else if (marked) {
                if (i != body) {
                    throw new IllegalArgumentException("parameter '" + arguments[i].getName() + "' is neither the "
                            + "@MessageBody nor a @MessageHeader field: annotate it @MessageHeader(\"field\")");
                }
            } else if (body < 0) {
                body = i;
            } else {
                throw new IllegalArgumentException("parameters '" + arguments[body].getName() + "' and '"
                        + arguments[i].getName() + "' could both be the body: mark the body @MessageBody and fields "
                        + "@MessageHeader");
            }
        }
        if (body < 0) {
            throw new IllegalArgumentException("the method needs a body parameter");
        }
        if (batch && !Iterable.class.isAssignableFrom(arguments[body].getType())) {
            throw new IllegalArgumentException("@Stream(batch = true) but the body parameter '" + arguments[body].getName()
                    + "' is of type " + arguments[body].getTypeString(true) + ": a batch method takes a List of bodies, one entry "
                    + "each");
        }

        Argument<?> returned = method.getReturnType().asArgument();
        Shape shape;
        Ids ids;
        Class<?> type = returned.getType();
        if (type == void.class || type == Void.class) {
            shape = Shape.BLOCKING;
            ids = Ids.NONE;
        } else if (type == String.class && !batch) {
            shape = Shape.BLOCKING;
            ids = Ids.ONE;
        } else if (batch && isListOfStrings(returned)) {
            shape = Shape.BLOCKING;
            ids = Ids.ALL;
        } else if (type != Object.class && type.isAssignableFrom(CompletableFuture.class)) {
            shape = Shape.FUTURE;
            ids = contents(returned, batch, false, where);
        } else if (type != Object.class && type.isAssignableFrom(Mono.class)) {
            // Publisher, CorePublisher, Mono: one signal; a batch's IDs one by one only where a Flux fits
            ids = contents(returned, batch, type.isAssignableFrom(Flux.class), where);
            shape = ids == Ids.EACH ? Shape.FLUX : Shape.MONO;
        } else if (type == Flux.class) {
            ids = contents(returned, batch, true, where);
            shape = Shape.FLUX;
        } else {
            throw new IllegalArgumentException(unsupported(returned, batch));
        }

        StreamPublisher publisher;
        String connection = client.string("connection");
        try {
            publisher = publishers.of(connection);
        } catch (ConfigurationException e) {
            throw new IllegalArgumentException("@RedisStreamClient(connection" + (connection.isEmpty() ? "" : " = \""
                    + connection + "\"") + "): " + e.getMessage(), e);
        }
        return new ClientMethod(where, publisher, streams[0], maxLen, body, anyField ? fieldNames : new String[0], batch,
                shape, ids);
    }

    /** What a future or Publisher holds: nothing, the ID, the IDs together, or (a Flux) the IDs one by one. */
    private static Ids contents(Argument<?> returned, boolean batch, boolean many, String where) {
        Argument<?> inside = returned.getFirstTypeVariable().orElse(Argument.OBJECT_ARGUMENT);
        if (inside.getType() == Void.class) {
            return Ids.NONE;
        }
        if (inside.getType() == String.class) {
            if (!batch) {
                return Ids.ONE;
            }
            if (many) {
                return Ids.EACH;
            }
        } else if (batch && isListOfStrings(inside)) {
            return Ids.ALL;
        }
        throw new IllegalArgumentException(unsupported(returned, batch));
    }

    private static boolean isListOfStrings(Argument<?> type) {
        return type.getType() != Object.class && type.getType().isAssignableFrom(List.class)
                && type.getFirstTypeVariable().map(a -> a.getType() == String.class).orElse(false);
    }

    private static String unsupported(Argument<?> returned, boolean batch) {
        String type = returned.getTypeString(true);
        if (batch) {
            return "returns " + type + "; a @Stream(batch = true) client method returns void, List<String> (the new "
                    + "entries' IDs), CompletableFuture<List<String>>, Publisher<String> or Flux<String> (one ID each), "
                    + "or Mono<List<String>>";
        }
        String hint = returned.getType() != Object.class && returned.getType().isAssignableFrom(List.class)
                ? "; to write one entry per element of a List, set @Stream(batch = true)" : "";
        return "returns " + type + "; a client method returns void, String (the new entry's ID), "
                + "CompletableFuture<String>, or Publisher<String> / Mono<String>" + hint;
    }

    /** Writes the call's body (or bodies) and returns what the method declares. */
    Object write(Object[] args) {
        Map<String, String> extra = Map.of();
        if (fieldNames.length > 0) {
            extra = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (fieldNames[i] != null && args[i] != null) {
                    extra.put(fieldNames[i], String.valueOf(args[i]));
                }
            }
        }
        Map<String, String> fields = extra;
        Object argument = args[body];
        return switch (shape) {
            case BLOCKING -> {
                List<String> written = publisher.publishAll(stream, bodies(argument), fields, maxLen);
                yield ids == Ids.NONE ? null : ids == Ids.ONE ? written.get(0) : written;
            }
            case FUTURE -> {
                CompletableFuture<List<String>> written;
                try {
                    written = publisher.publishAllAsync(stream, bodies(argument), fields, maxLen);
                } catch (RuntimeException e) {
                    written = CompletableFuture.failedFuture(e);
                }
                yield written.thenApply(this::result);
            }
            case MONO -> {
                Mono<List<String>> written = Mono.fromFuture(() -> publisher.publishAllAsync(stream, bodies(argument), fields, maxLen));
                yield ids == Ids.NONE ? written.then() : written.map(this::result);
            }
            case FLUX -> {
                Mono<List<String>> written = Mono.fromFuture(() -> publisher.publishAllAsync(stream, bodies(argument), fields, maxLen));
                yield ids == Ids.NONE ? Flux.from(written.then()) : ids == Ids.EACH
                        ? written.flatMapIterable(all -> all) : Flux.from(written.map(this::result));
            }
        };
    }

    private Object result(List<String> written) {
        return switch (ids) {
            case NONE -> null;
            case ONE -> written.get(0);
            case ALL, EACH -> written;
        };
    }

    private List<?> bodies(Object argument) {
        if (!batch) {
            if (argument == null) {
                throw new IllegalArgumentException(where + ": the body is null");
            }
            return List.of(argument);
        }
        if (argument == null) {
            throw new IllegalArgumentException(where + ": the list of bodies is null");
        }
        if (argument instanceof List<?> list) {
            return list;
        }
        List<Object> all = argument instanceof Collection<?> c ? new ArrayList<>(c.size()) : new ArrayList<>();
        ((Iterable<?>) argument).forEach(all::add);
        return all;
    }
}
