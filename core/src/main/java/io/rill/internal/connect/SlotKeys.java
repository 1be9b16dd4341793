package io.rill.internal.connect;

/**
 * Names of the keys Rill keeps beside a stream (failure records, consumer identities): each one starts
 * with a prefix that puts it in the stream's hash slot, so that one script may touch both in a cluster.
 */
public final class SlotKeys {

    private SlotKeys() {
    }

    /**
     * The stream's own name when it has braces (its hash tag, if valid, decides the slot; a key with
     * braces but no valid tag keeps a slot of its own, which only a cluster would mind), else the name in
     * braces, which makes the whole name the tag.
     */
    public static String prefix(String stream) {
        return stream.indexOf('{') >= 0 || stream.indexOf('}') >= 0 ? stream : "{" + stream + "}";
    }
}
