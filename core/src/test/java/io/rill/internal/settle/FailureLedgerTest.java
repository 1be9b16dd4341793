package io.rill.internal.settle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Key naming and record parsing of the failure records, without Redis. */
class FailureLedgerTest {

    /** The hash slot of a key, as Redis Cluster computes it: the hash tag when there is a non-empty one. */
    private static String tagOf(String key) {
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                return key.substring(open + 1, close);
            }
        }
        return key;
    }

    @Test
    void theRecordsShareTheStreamsHashSlot() {
        for (String stream : new String[] { "orders", "orders:{7}", "{tenant-1}:orders", "a:b:c" }) {
            String key = FailureLedger.key(stream, "billing");
            assertEquals(tagOf(stream), tagOf(key), stream + " -> " + key);
        }
        assertEquals("{orders}:rill:failures:billing", FailureLedger.key("orders", "billing"));
        assertEquals("orders:{7}:rill:failures:billing", FailureLedger.key("orders:{7}", "billing"));
        // a group name with braces cannot steal the tag: the stream's comes first
        assertEquals("orders", tagOf(FailureLedger.key("orders", "{g}")));
    }

    @Test
    void aRecordIsACountAndTheTokenOfTheLastFailure() {
        assertEquals(3, FailureLedger.count("3 5f2a-17"));
        assertEquals(12, FailureLedger.count("12"));
        assertEquals(0, FailureLedger.count("garbage here"));
    }
}
