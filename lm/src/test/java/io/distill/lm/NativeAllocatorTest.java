package io.distill.lm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.train.Batch;
import io.distill.lm.train.TrainStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NativeAllocatorTest {

    private static final Path STAT = Path.of("/proc/self/stat");

    /**
     * Training steps reuse the memory the previous step freed: student-1m's bf16 steps at batch 4 x 256 faulted
     * about 8,000 pages (32 MiB) a step in afresh before the allocator was tuned, a few hundred after.
     */
    @Test
    void trainingStepsReuseFreedMemory() throws IOException {
        assumeTrue(Files.isReadable(STAT), "needs Linux's /proc/self/stat to count page faults");
        LmConfig config = LmConfig.named("student-1m");
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            Gpt model = Gpt.create(config, Precision.BF16, manager); // tunes the allocator
            SplittableRandom random = new SplittableRandom(1);
            try (TrainStep trainer = new TrainStep(model, manager, TrainStep.Options.defaults(3e-4f, 0))) {
                for (int i = 0; i < 2; i++) { // the first steps grow the heaps
                    step(trainer, manager, random, config.context());
                }
                long before = minorFaults();
                int steps = 3;
                for (int i = 0; i < steps; i++) {
                    step(trainer, manager, random, config.context());
                }
                long perStep = (minorFaults() - before) / steps;
                assertTrue(perStep < 1_500, perStep + " page faults a step: freed memory went back to the kernel");
            }
        }
    }

    private static void step(TrainStep trainer, NDManager manager, SplittableRandom random, int length) {
        int[][] windows = new int[4][length + 1];
        for (int[] window : windows) {
            for (int j = 0; j < window.length; j++) {
                window[j] = random.nextInt(256);
            }
        }
        try (Batch batch = Batch.fromWindows(manager, windows)) {
            trainer.step(batch);
        }
    }

    /** The process's minor page faults so far (field 10 of /proc/self/stat). */
    private static long minorFaults() throws IOException {
        String stat = Files.readString(STAT);
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[7]);
    }
}
