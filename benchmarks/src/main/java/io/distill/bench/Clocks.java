package io.distill.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Wall time and the calling thread's CPU time, read together. On a machine shared with other jobs the wall clock
 * counts the time spent waiting for a core; with libtorch at one thread every op runs on the calling thread, so its
 * CPU time is the work itself, and benchmarks that run their arms one after the other report both.
 */
public record Clocks(long wallNanos, long cpuNanos) {
    public static final Clocks ZERO = new Clocks(0, 0);

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Both clocks now; CPU time is 0 where the JVM cannot measure it. */
    public static Clocks now() {
        long cpu = THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : 0;
        return new Clocks(System.nanoTime(), cpu);
    }

    /** What both clocks advanced since {@code start}, a reading of {@link #now()} on this thread. */
    public static Clocks since(Clocks start) {
        Clocks end = now();
        return new Clocks(end.wallNanos - start.wallNanos, end.cpuNanos - start.cpuNanos);
    }

    public Clocks plus(Clocks other) {
        return new Clocks(wallNanos + other.wallNanos, cpuNanos + other.cpuNanos);
    }

    public double wallSeconds() {
        return wallNanos / 1e9;
    }

    public double cpuSeconds() {
        return cpuNanos / 1e9;
    }
}
