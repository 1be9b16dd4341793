package io.rill.bench.trace;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Where a handler starts, for {@link HandOffTrace}: with {@code -Dbench.trace.marks=true} (set by
 * {@code benchmarks/trace-handoffs}) the latency benchmark's handler writes {@link #BYTES} bytes to /dev/null
 * first thing for every entry, a system call that perf records with the scheduler's events (the script keeps only
 * writes of that size). The scheduler sees when a thread runs, not when its handler does; between the two a
 * consumer may do work of its own. Off, it costs a read of a static field.
 */
public final class HandlerMark {

    /** An uncommon size, so that few other writes pass the script's filter (the trace matches marks by thread too). */
    public static final int BYTES = 113;
    public static final boolean ON = Boolean.getBoolean("bench.trace.marks");

    private static final FileChannel DEV_NULL = ON ? open() : null;
    private static final ThreadLocal<ByteBuffer> MARK = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BYTES));

    private HandlerMark() {
    }

    /** One write of {@link #BYTES} bytes to /dev/null; only when {@link #ON}. */
    public static void mark() {
        ByteBuffer mark = MARK.get();
        mark.clear();
        try {
            DEV_NULL.write(mark);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileChannel open() {
        try {
            return new FileOutputStream("/dev/null").getChannel();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open /dev/null for the handler's trace marks", e);
        }
    }
}
