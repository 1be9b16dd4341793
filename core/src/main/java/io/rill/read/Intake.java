package io.rill.read;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import io.lettuce.core.StreamMessage;
import io.rill.StreamEntry;
import io.rill.ack.Acknowledger;
import io.rill.deadletter.DeadLetterer;
import io.rill.dispatch.Dispatcher;
import io.rill.metrics.SubscriptionMetrics;
import io.rill.window.InFlightWindow;

/**
 * Where entries read or claimed enter the pipeline, the same way whatever brought them: each takes an
 * in-flight slot (an entry already in flight here is skipped), then
 * <ul>
 *   <li>an entry deleted or trimmed while pending (Redis kept only its ID) is acked and counted, never handled;</li>
 *   <li>a redelivered entry the checkpoint journal says was handled before a crash is acked and counted,
 *       not handled again (semantics 4);</li>
 *   <li>an entry delivered more than {@code max-deliveries} times is dead-lettered without a handler call;</li>
 *   <li>the rest go to the Dispatcher, with their delivery count.</li>
 * </ul>
 * Called only from the read thread, so admission and capacity checks never race.
 */
public final class Intake {

    /** How the entries came. */
    public enum Source {
        /** XREADGROUP {@code >}: first deliveries. */
        NEW,
        /** XREADGROUP from an ID: this consumer's own pending entries. */
        HISTORY,
        /** XAUTOCLAIM: stale entries taken from any consumer. */
        CLAIM
    }

    private final InFlightWindow window;
    private final Dispatcher dispatcher;
    private final Acknowledger acknowledger;
    private final DeadLetterer deadLetterer;
    private final int maxDeliveries;
    private final SubscriptionMetrics metrics;

    /** @param deadLetterer null when dead letters are off */
    public Intake(InFlightWindow window, Dispatcher dispatcher, Acknowledger acknowledger, DeadLetterer deadLetterer,
            int maxDeliveries, SubscriptionMetrics metrics) {
        this.window = window;
        this.dispatcher = dispatcher;
        this.acknowledger = acknowledger;
        this.deadLetterer = deadLetterer;
        this.maxDeliveries = maxDeliveries;
        this.metrics = metrics;
    }

    /** Admits and routes these entries; returns how many took a new in-flight slot. */
    public int accept(List<StreamMessage<String, String>> messages, DeliveryCounts counts, Source source) {
        if (messages.isEmpty()) {
            return 0;
        }
        int admitted = 0;
        List<StreamEntry> batch = new ArrayList<>(messages.size());
        for (StreamMessage<String, String> message : messages) {
            Map<String, String> body = message.getBody();
            boolean trimmed = body == null || body.isEmpty();
            long deliveries = counts.of(message.getStream(), message.getId());
            Map<String, String> fields = trimmed ? Map.of() : Collections.unmodifiableMap(body);
            StreamEntry entry = deliveries > 0 ? StreamEntry.of(message.getStream(), message.getId(), fields, deliveries)
                    : StreamEntry.of(message.getStream(), message.getId(), fields);
            if (!window.admit(entry)) {
                continue; // still being handled or acked here
            }
            admitted++;
            SubscriptionMetrics.StreamMeters meters = metrics.stream(entry.stream());
            if (source == Source.CLAIM) {
                meters.claimed(1);
            } else {
                meters.read(1);
            }
            if (trimmed) {
                // deleted or trimmed while pending: Redis kept only the ID; nothing to handle
                meters.trimmed(1);
                acknowledger.acknowledge(entry);
            } else if (source != Source.NEW && acknowledger.journaled(entry)) {
                // handled before a crash, its XACK lost: ack it without running the handler again
                meters.deduplicated(1);
                acknowledger.acknowledge(entry);
            } else if (deadLetterer != null && deliveries > maxDeliveries) {
                // its earlier deliveries ended without a verdict (consumer died, dead-lettering failed)
                deadLetterer.deadLetter(entry, null, DeadLetterer.Reason.DELIVERIES_EXCEEDED);
            } else {
                batch.add(entry);
            }
        }
        dispatcher.dispatch(batch);
        return admitted;
    }
}
