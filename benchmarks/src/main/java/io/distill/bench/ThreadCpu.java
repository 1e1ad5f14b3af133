package io.distill.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of this process's threads (Linux {@code /proc/self/task}), native ones included, so that what runs
 * beside the forward pass can be seen: libtorch's worker threads, the JIT compiler, the garbage collector, Kafka's
 * clients and an in-process broker. Unlike wall time, these shares hardly move with other processes' load.
 */
final class ThreadCpu {
    /** Clock ticks (user + system) and name ({@code comm}, at most 15 characters) of each thread, at one moment. */
    record Snapshot(Map<Long, Long> ticks, Map<Long, String> names) {}

    /**
     * Where a process's CPU went between two snapshots, as shares of its total.
     *
     * @param forward the thread named {@code forwardThread} and the libtorch workers it started (they inherit its
     *     name)
     * @param jit the JIT compiler's threads
     * @param gc the garbage collector's threads
     * @param other everything else: Kafka's clients, an in-process broker, the benchmark's own consumer
     */
    record Shares(double forward, double jit, double gc, double other) {
        static final Shares UNKNOWN = new Shares(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }

    private ThreadCpu() {}

    /** The threads of this process now; empty where {@code /proc/self/task} does not exist. */
    static Snapshot take() {
        Map<Long, Long> ticks = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    // pid (comm) state ...: comm may hold spaces and parentheses, the fields after the last ')' not
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long tid = Long.parseLong(task.getFileName().toString());
                    ticks.put(tid, Long.parseLong(fields[11]) + Long.parseLong(fields[12])); // utime + stime
                    names.put(tid, stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
                } catch (IOException | RuntimeException e) {
                    // the thread ended between listing and reading: it is left out
                }
            }
        } catch (IOException e) {
            return new Snapshot(Map.of(), Map.of());
        }
        return new Snapshot(ticks, names);
    }

    /**
     * The shares of the CPU the threads alive at {@code to} used since {@code from} (threads started in between
     * count from zero; threads ended in between are lost, so take {@code to} before they end).
     *
     * @param forwardThread the name of the thread that runs the forward passes (only its first 15 characters count)
     */
    static Shares between(Snapshot from, Snapshot to, String forwardThread) {
        String forwardName = forwardThread.substring(0, Math.min(15, forwardThread.length()));
        long forward = 0;
        long jit = 0;
        long gc = 0;
        long other = 0;
        for (var entry : to.ticks().entrySet()) {
            long used = entry.getValue() - from.ticks().getOrDefault(entry.getKey(), 0L);
            String name = to.names().get(entry.getKey());
            if (name.equals(forwardName)) {
                forward += used;
            } else if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
                jit += used;
            } else if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
                gc += used;
            } else {
                other += used;
            }
        }
        double total = forward + jit + gc + other;
        if (total == 0) {
            return Shares.UNKNOWN;
        }
        return new Shares(forward / total, jit / total, gc / total, other / total);
    }
}
