package io.distill.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {

    /** A thread that spins until it has used {@code cpuNanos} of CPU, however loaded the machine is. */
    private static Thread burner(String name, long cpuNanos) {
        return new Thread(
                () -> {
                    var threads = ManagementFactory.getThreadMXBean();
                    long start = threads.getCurrentThreadCpuTime();
                    long x = 0;
                    while (threads.getCurrentThreadCpuTime() - start < cpuNanos) {
                        x += System.nanoTime() % 7;
                    }
                    if (x == 42) {
                        System.out.println(x); // keeps the loop from being optimised away
                    }
                },
                name);
    }

    @Test
    void theBusyNamedThreadHasMostOfTheCpuAndTheSharesAddUpToOne() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        Thread burner = burner("cpu-test-burner-thread", 400_000_000L);
        ThreadCpu.Snapshot before = ThreadCpu.take();
        burner.start();
        // the thread's ticks are read while it is alive: it ends right after its last check of its CPU time
        ThreadCpu.Snapshot after = before;
        while (burner.isAlive()) {
            after = ThreadCpu.take();
            Thread.sleep(20);
        }
        burner.join();

        ThreadCpu.Shares shares = ThreadCpu.between(before, after, "cpu-test-burner-thread");
        assertEquals(1.0, shares.forward() + shares.jit() + shares.gc() + shares.other(), 1e-9);
        assertTrue(shares.forward() > 0.5, "the burner's share: " + shares);
    }

    @Test
    void withNoCpuUsedTheSharesAreUnknown() {
        ThreadCpu.Snapshot now = ThreadCpu.take();
        assertTrue(Double.isNaN(ThreadCpu.between(now, now, "nothing").forward()));
    }
}
