package io.distill.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {

    /**
     * A thread that spins until it has used {@code cpuNanos} of CPU, however loaded the machine is, then counts down
     * {@code burnt} and stays alive (and named) until {@code release}: its ticks are read from /proc while it is
     * certainly there, not raced against its exit.
     */
    private static Thread burner(String name, long cpuNanos, CountDownLatch burnt, CountDownLatch release) {
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
                    burnt.countDown();
                    try {
                        release.await(1, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                name);
    }

    @Test
    void theBusyNamedThreadHasMostOfTheCpuAndTheSharesAddUpToOne() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        CountDownLatch burnt = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread burner = burner("cpu-test-burner-thread", 400_000_000L, burnt, release);
        ThreadCpu.Snapshot before = ThreadCpu.take();
        burner.start();
        assertTrue(burnt.await(1, TimeUnit.MINUTES), "the burner used its CPU");
        ThreadCpu.Snapshot after = ThreadCpu.take();
        release.countDown();
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
