package io.distill.lm;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps glibc's malloc from handing libtorch's tensor memory back to the kernel after every step.
 *
 * <p>Why: a training step allocates and frees the same activations (0.1 to 30 MiB each) every time. The JVM runs
 * {@code main} and every other thread in a secondary malloc arena, and glibc trims those arenas eagerly: a heap
 * whose chunks are all free is unmapped, and blocks above the dynamic mmap threshold are mapped and unmapped per
 * allocation. Each step then page-faults its activations in afresh, zeroed by the kernel on one core: measured on
 * student-1m bf16 at batch 8 x 256, 9,400 minor faults a step and 13% of a one-thread step's CPU time (196 ms
 * against 171 ms tuned, 400 faults), a serial cost that also held back the second thread. Python's PyTorch runs in
 * the main arena and does not see it.
 *
 * <p>What: the three {@code mallopt} settings that keep the freed memory for the next step: blocks below 32 MiB (the
 * largest threshold glibc accepts) come from the arenas, free memory up to 256 MiB stays in the process, and each
 * arena heap keeps 64 MiB of padding, so whole heaps are not unmapped. Resident memory settles at the step's peak
 * instead of falling and rising each step; it stays flat over a run (docs/benchmarks.md, memory). On a C library
 * without {@code mallopt} (musl, macOS) nothing changes. Where the {@code distill} launcher or the image preloads
 * jemalloc (configured to keep freed pages too), glibc's malloc is not the one in use and these settings are idle;
 * this covers every process without it: machines without the libjemalloc2 package, tests, {@code java -jar}.
 */
public final class NativeAllocator {
    private static final Logger LOG = LoggerFactory.getLogger(NativeAllocator.class);

    // mallopt parameters, from glibc's <malloc.h>
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;
    private static final int MIB = 1 << 20;

    private static boolean tuned;

    private NativeAllocator() {}

    /** Applies the settings once per process; later calls do nothing. Never fails: the settings only save time. */
    public static synchronized void keepFreedMemory() {
        if (tuned) {
            return;
        }
        tuned = true;
        try {
            Function mallopt = NativeLibrary.getInstance("c").getFunction("mallopt");
            boolean applied = mallopt.invokeInt(new Object[] {M_MMAP_THRESHOLD, 32 * MIB}) == 1
                    & mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, 256 * MIB}) == 1
                    & mallopt.invokeInt(new Object[] {M_TOP_PAD, 64 * MIB}) == 1;
            LOG.debug("malloc keeps freed memory for reuse: {}", applied ? "applied" : "refused by the C library");
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.debug("malloc left as it is: no mallopt here ({})", e.toString());
        }
    }
}
