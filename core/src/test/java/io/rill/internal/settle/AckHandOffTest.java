package io.rill.internal.settle;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Who sends a flush that filled while the last XACK was on its way (semantics 2 and 4): a worker's next ack when one
 * is sure to come and the journal writes on the worker, else the XACK's answer at once, as before.
 */
class AckHandOffTest {

    @Test
    void aWorkersNextAckTakesTheFlushWhenItWritesTheJournalItselfAndAnEntryIsStillToBeAcked() {
        assertTrue(AckBatcher.leaveToWorker(true, 1, 1500, 600), "900 entries queued or in a handler: a worker acks next");
    }

    @Test
    void theAnswerSendsItWhenNoWorkerAckIsSureToCome() {
        // every entry in flight is one of the acks (the window full of them): nobody else would send them
        assertFalse(AckBatcher.leaveToWorker(true, 1, 600, 600));
        assertFalse(AckBatcher.leaveToWorker(true, 1, 0, 0));
    }

    @Test
    void theAnswerSendsItWithoutAJournalOrWhenTheWriterWritesEveryRecord() {
        // journal off: the I/O thread sends the XACK itself, cheaper than a worker; fsync always: the writer writes anyway
        assertFalse(AckBatcher.leaveToWorker(false, 1, 1500, 600));
    }

    @Test
    void theAnswerSendsItForSeveralStreams() {
        // a worker's next ack may be another stream's, which does not look at this one
        assertFalse(AckBatcher.leaveToWorker(true, 2, 1500, 600));
    }
}
