package io.rill.internal.output;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.lettuce.core.cluster.SlotHash;

/**
 * The cluster rule of semantics 12: one commit touches the input stream and its outputs in one script,
 * which a cluster runs only when every key is in one hash slot.
 */
public final class SlotRule {

    private SlotRule() {
    }

    /**
     * The message for inputs and outputs that do not share a slot; null when they all do.
     */
    public static String violation(Collection<String> inputs, Collection<String> outputs) {
        List<String> pairs = new ArrayList<>();
        for (String input : inputs) {
            int slot = SlotHash.getSlot(input);
            for (String output : outputs) {
                int other = SlotHash.getSlot(output);
                if (other != slot) {
                    pairs.add("'" + output + "' (slot " + other + ") vs input '" + input + "' (slot " + slot + ")");
                }
            }
        }
        if (pairs.isEmpty()) {
            return null;
        }
        String tag = hashTag(inputs.iterator().next());
        return "transactional output on a Redis Cluster: output and input streams must share one hash slot, so that "
                + "the outputs and the input's acknowledgement commit in one step; not in the slot of their input: "
                + String.join(", ", pairs) + ". Give the streams one hash tag, e.g. '{" + tag + "}' in every name ('{"
                + tag + "}:" + inputs.iterator().next().replace("{", "").replace("}", "") + "', '{" + tag + "}:invoices'), "
                + "or write the outputs without the transactional path (publish, then ack: at-least-once)";
    }

    /** The part of the key that decides its slot: the hash tag when it has one, else the whole name. */
    static String hashTag(String key) {
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                return key.substring(open + 1, close);
            }
        }
        return key;
    }
}
