package io.rill.micronaut.listen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micronaut.inject.ExecutableMethod;
import io.rill.Acknowledgement;
import io.rill.Output;
import io.rill.PartialBatchFailure;
import io.rill.Rill;
import io.rill.StreamEntry;
import io.rill.Subscription;
import io.rill.SubscriptionOptions;
import io.rill.micronaut.RedisStreamListenerException;
import io.rill.micronaut.RedisStreamListenerExceptionHandler;
import io.rill.micronaut.RedisStreamListenerExceptionHandler.Resolution;
import io.rill.micronaut.StreamPublisher;
import io.rill.micronaut.bind.EntryBindingException;
import io.rill.micronaut.bind.MethodBinding;

/**
 * One {@code @Stream} method made into a core handler: binds the entries to its parameters, calls it,
 * waits for the CompletionStage or Publisher it returns ({@link HandlerResult}), writes its {@code @SendTo}
 * output, and turns failures into the core's outcomes (after the bean's
 * {@link RedisStreamListenerExceptionHandler}, if it has one). Everything else (reading, acking, retrying,
 * stopping) is the core's. An interrupt (handler-timeout, a stop) is passed on as it is: it is never an
 * outcome, so the exception handler does not see it.
 */
public final class ListenerMethod {

    private static final Logger log = LoggerFactory.getLogger(ListenerMethod.class);

    private final String name;
    private final String connection;
    private final SubscriptionOptions options;
    private final boolean autoStartup;
    private final Object bean;
    @SuppressWarnings("rawtypes")
    private final ExecutableMethod method;
    private final MethodBinding binding;
    private final HandlerResult result;
    private final RedisStreamListenerExceptionHandler exceptionHandler;
    private final List<String> sendTo;
    private final StreamPublisher publisher;
    /** With @SendTo: outputs commit with the input's ack (semantics 12); false: publish, then ack. */
    private final boolean transactional;

    ListenerMethod(String name, String connection, SubscriptionOptions options, boolean autoStartup, Object bean,
            ExecutableMethod<?, ?> method, MethodBinding binding, HandlerResult result, List<String> sendTo,
            StreamPublisher publisher, boolean transactional) {
        this.transactional = transactional && !sendTo.isEmpty();
        this.name = name;
        this.connection = connection;
        this.options = options;
        this.autoStartup = autoStartup;
        this.bean = bean;
        this.method = method;
        this.binding = binding;
        this.result = result;
        this.exceptionHandler = bean instanceof RedisStreamListenerExceptionHandler h ? h : null;
        this.sendTo = sendTo;
        this.publisher = publisher;
    }

    /** {@code com.example.Billing#onOrder}. */
    public String name() {
        return name;
    }

    /** The micronaut-redis server: {@code ""} for the primary one. */
    public String connection() {
        return connection;
    }

    /** The effective options: annotation over {@code rill.consumers.<group>} over {@code rill.consumers.default}. */
    public SubscriptionOptions options() {
        return options;
    }

    public boolean autoStartup() {
        return autoStartup;
    }

    /** True when the @SendTo output commits with the input's acknowledgement (semantics 12). */
    public boolean transactional() {
        return transactional;
    }

    /** Starts the core subscription that runs this method. */
    public Subscription subscribe(Rill rill) {
        if (transactional) {
            Set<String> streams = new LinkedHashSet<>(sendTo);
            return binding.batch() ? rill.subscribeBatchWithOutputs(options, streams, this::onBatchWithOutputs)
                    : rill.subscribeWithOutputs(options, streams, this::onEntryWithOutputs);
        }
        if (binding.batch()) {
            return binding.manual() ? rill.subscribeBatchManual(options, this::onBatch) : rill.subscribeBatch(options, e -> onBatch(e, null));
        }
        return binding.manual() ? rill.subscribeManual(options, this::onEntry) : rill.subscribe(options, e -> onEntry(e, null));
    }

    private void onEntry(StreamEntry entry, Acknowledgement ack) throws Exception {
        try {
            send(result.await(invoke(binding.bind(entry, ack))));
        } catch (InterruptedException e) {
            throw e;
        } catch (Throwable e) {
            if (resolve(List.of(entry), e) == Resolution.ACKNOWLEDGE) {
                if (ack != null) {
                    ack.ack();
                }
                return;
            }
            throw rethrow(e);
        }
    }

    private void onBatch(List<StreamEntry> entries, Acknowledgement ack) throws Exception {
        List<Object> elements = new ArrayList<>(entries.size());
        List<StreamEntry> bound = new ArrayList<>(entries.size());
        Map<StreamEntry, Throwable> failed = bindElements(entries, elements, bound);
        if (ack != null && !failed.isEmpty()) {
            // one acknowledgement settles the whole batch, so the method can't take part of it
            Throwable cause = failed.values().iterator().next();
            if (resolve(entries, cause) == Resolution.ACKNOWLEDGE) {
                ack.ack();
                return;
            }
            // not the binding error itself: that is non-retryable by default, and would dead-letter the
            // batch's good entries at once along with the bad one
            throw new IllegalStateException("the batch could not be bound (" + cause.getMessage() + "); one "
                    + "Acknowledgement settles the whole batch, so all of its " + entries.size() + " entries fail", cause);
        }
        failed.entrySet().removeIf(f -> resolve(List.of(f.getKey()), f.getValue()) == Resolution.ACKNOWLEDGE);
        if (!bound.isEmpty()) {
            try {
                send(result.await(invoke(binding.bindBatch(elements, ack))));
            } catch (InterruptedException e) {
                throw e;
            } catch (Throwable e) {
                if (resolve(bound, e) == Resolution.ACKNOWLEDGE) {
                    if (ack != null) {
                        ack.ack();
                    }
                } else if (failed.isEmpty()) {
                    throw rethrow(e);
                } else {
                    bound.forEach(entry -> failed.put(entry, e));
                }
            }
        }
        if (!failed.isEmpty()) {
            throw PartialBatchFailure.of(failed);
        }
    }

    /** Transactional @SendTo: the method's result as outputs, committed by the core with the input's ack. */
    private List<Output> onEntryWithOutputs(StreamEntry entry) throws Exception {
        try {
            return outputs(bodies(result.await(invoke(binding.bind(entry, null)))));
        } catch (InterruptedException e) {
            throw e;
        } catch (Throwable e) {
            if (resolve(List.of(entry), e) == Resolution.ACKNOWLEDGE) {
                return List.of(); // acknowledged with no output
            }
            throw rethrow(e);
        }
    }

    /**
     * Binds each entry of a batch to its element: the bound ones go to {@code elements} and {@code bound}
     * (same order), and the entries that can't be bound are returned with their binding error.
     */
    private Map<StreamEntry, Throwable> bindElements(List<StreamEntry> entries, List<Object> elements, List<StreamEntry> bound) {
        Map<StreamEntry, Throwable> failed = new LinkedHashMap<>();
        for (StreamEntry entry : entries) {
            try {
                elements.add(binding.bindElement(entry));
                bound.add(entry);
            } catch (EntryBindingException e) {
                failed.put(entry, e);
            }
        }
        return failed;
    }

    /**
     * Transactional @SendTo of a batch method: it returns one value per entry of its batch, in order (a
     * {@code null} element: no output for that entry), so that each input commits with its own outputs.
     */
    private Map<StreamEntry, List<Output>> onBatchWithOutputs(List<StreamEntry> entries) throws Exception {
        List<Object> elements = new ArrayList<>(entries.size());
        List<StreamEntry> bound = new ArrayList<>(entries.size());
        Map<StreamEntry, Throwable> failed = bindElements(entries, elements, bound);
        failed.entrySet().removeIf(f -> resolve(List.of(f.getKey()), f.getValue()) == Resolution.ACKNOWLEDGE);
        Map<StreamEntry, List<Output>> outputs = new LinkedHashMap<>();
        if (!bound.isEmpty()) {
            try {
                List<?> values = bodies(result.await(invoke(binding.bindBatch(elements, null))));
                if (values.size() != bound.size()) {
                    throw new IllegalStateException("a batch @SendTo method returns one value per entry of its batch, in "
                            + "order (null for none), so that each entry commits with its own output; it got "
                            + bound.size() + " entries and returned " + values.size() + " values");
                }
                for (int i = 0; i < bound.size(); i++) {
                    Object value = values.get(i);
                    outputs.put(bound.get(i), value == null ? List.of() : outputs(bodies(value)));
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Throwable e) {
                if (resolve(bound, e) != Resolution.ACKNOWLEDGE) {
                    if (failed.isEmpty()) {
                        throw rethrow(e);
                    }
                    bound.forEach(entry -> failed.put(entry, e));
                }
                outputs.clear(); // acknowledged by the exception handler, or failed: no output either way
            }
        }
        if (!failed.isEmpty()) {
            throw PartialBatchFailure.of(failed, outputs);
        }
        return outputs;
    }

    /** One output per body and @SendTo stream. */
    private List<Output> outputs(List<?> bodies) {
        if (bodies.isEmpty()) {
            return List.of();
        }
        List<Output> all = new ArrayList<>(bodies.size() * sendTo.size());
        for (String stream : sendTo) {
            all.addAll(publisher.outputs(stream, bodies));
        }
        return all;
    }

    /** A result as the bodies it stands for: an Iterable's or array's elements, a single value, or none for null. */
    private static List<?> bodies(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof Iterable<?> iterable) {
            List<Object> all = new ArrayList<>();
            iterable.forEach(all::add);
            return all;
        }
        if (value instanceof Object[] array) {
            return java.util.Arrays.asList(array);
        }
        return List.of(value);
    }

    @SuppressWarnings("unchecked")
    private Object invoke(Object[] args) {
        return method.invoke(bean, args);
    }

    /**
     * Writes the method's result (a Publisher's elements already collected) to the @SendTo streams (publish,
     * then the core acks the input): {@code @Stream(transactional = false)}, at-least-once.
     */
    private void send(Object value) {
        if (sendTo.isEmpty() || value == null) {
            return;
        }
        List<?> bodies = value instanceof Object[] array ? List.of(array) : bodies(value);
        if (bodies.isEmpty()) {
            return;
        }
        for (String stream : sendTo) {
            publisher.publishAll(stream, bodies);
        }
    }

    private Resolution resolve(List<StreamEntry> entries, Throwable error) {
        if (exceptionHandler == null) {
            return Resolution.FAIL;
        }
        try {
            Resolution resolution = exceptionHandler.handle(new RedisStreamListenerException(bean, name, entries, error));
            return resolution == null ? Resolution.FAIL : resolution;
        } catch (RuntimeException e) {
            log.warn("The exception handler of {} threw; the entries stay failed", name, e);
            error.addSuppressed(e);
            return Resolution.FAIL;
        }
    }

    private static Exception rethrow(Throwable e) {
        if (e instanceof Exception ex) {
            return ex;
        }
        throw (Error) e;
    }
}
