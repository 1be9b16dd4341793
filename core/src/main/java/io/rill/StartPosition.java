package io.rill;

/** Where a consumer group starts when Rill creates it. An existing group keeps its position. */
public enum StartPosition {
    /** Only entries added after the group is created ({@code $}). */
    LATEST("$"),
    /** Every entry already in the stream ({@code 0}). */
    EARLIEST("0");

    private final String id;

    StartPosition(String id) {
        this.id = id;
    }

    /** The ID given to XGROUP CREATE. */
    public String id() {
        return id;
    }
}
