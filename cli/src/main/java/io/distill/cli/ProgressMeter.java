package io.distill.cli;

import java.io.PrintWriter;
import java.util.Locale;

/** Counts items and bytes and prints their rates at most every {@code intervalNanos}. */
final class ProgressMeter {
    private final String label;
    private final PrintWriter out;
    private final long intervalNanos;
    private final long startNanos;
    private long lastPrintNanos;
    private long items;
    private long bytes;

    ProgressMeter(String label, PrintWriter out, long intervalNanos) {
        this.label = label;
        this.out = out;
        this.intervalNanos = intervalNanos;
        this.startNanos = System.nanoTime();
        this.lastPrintNanos = startNanos;
    }

    void add(long itemBytes) {
        items++;
        bytes += itemBytes;
        long now = System.nanoTime();
        if (now - lastPrintNanos >= intervalNanos) {
            lastPrintNanos = now;
            out.println(label + ": " + summary(now));
        }
    }

    long items() {
        return items;
    }

    long bytes() {
        return bytes;
    }

    /** e.g. "12,345 records, 3.2 MB in 2.1 s (5,878 records/s, 1.52 MB/s)". */
    String summary() {
        return summary(System.nanoTime());
    }

    private String summary(long now) {
        double seconds = Math.max((now - startNanos) / 1e9, 1e-9);
        return String.format(
                Locale.ROOT,
                "%,d records, %.2f MB in %.1f s (%,.0f records/s, %.2f MB/s)",
                items,
                bytes / 1e6,
                seconds,
                items / seconds,
                bytes / 1e6 / seconds);
    }
}
