package io.distill.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.model.ComputeKernels;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.train.Batch;
import io.distill.lm.train.TrainStep;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * Measures training throughput of a model size at a precision: full steps (forward, loss, backward, clipping,
 * AdamW) on random byte windows, after warm-up steps. Reports tokens per second and model FLOP/s, and the best
 * matrix-product throughput of the same machine and precision, measured in the same run, as the reference for
 * utilisation.
 */
public final class TrainingBenchmark {

    /**
     * @param tokensPerSecond trained positions per second
     * @param modelFlopsPerSecond {@link #flopsPerToken} times tokens per second
     * @param peakMatmulFlopsPerSecond a large matrix product at the same precision on this machine
     */
    public record Result(
            LmConfig config,
            Precision precision,
            int batchSize,
            double tokensPerSecond,
            double stepMillis,
            double modelFlopsPerSecond,
            double peakMatmulFlopsPerSecond) {

        /** Model FLOP/s as a share of the measured matmul peak. */
        public double utilisation() {
            return modelFlopsPerSecond / peakMatmulFlopsPerSecond;
        }
    }

    /** The Markdown table's head, for {@link #row} lines. */
    public static final String TABLE_HEAD = "| size | precision | batch x T | distill tokens/s | PyTorch tokens/s "
            + "| distill / PyTorch | model GFLOP/s | of matmul peak |\n|---|---|---|---|---|---|---|---|";

    private TrainingBenchmark() {}

    /** One line of the table: distill's run, and the PyTorch twin's tokens/s when there is one. */
    public static String row(String size, Result ours, OptionalDouble theirs) {
        return String.format(
                Locale.ROOT,
                "| %s | %s | %d x %d | %,.0f | %s | %s | %.1f | %.0f%% |",
                size,
                ours.precision().flag(),
                ours.batchSize(),
                ours.config().context(),
                ours.tokensPerSecond(),
                theirs.isPresent() ? String.format(Locale.ROOT, "%,.0f", theirs.getAsDouble()) : "-",
                theirs.isPresent()
                        ? String.format(Locale.ROOT, "%.2f", ours.tokensPerSecond() / theirs.getAsDouble())
                        : "-",
                ours.modelFlopsPerSecond() / 1e9,
                100 * ours.utilisation());
    }

    public static Result run(LmConfig config, Precision precision, int batchSize, int warmupSteps, int steps) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            Gpt model = Gpt.create(config, precision, manager);
            SplittableRandom random = new SplittableRandom(1);
            int length = config.context();
            try (TrainStep trainer = new TrainStep(model, manager, TrainStep.Options.defaults(3e-4f, 0))) {
                for (int i = 0; i < warmupSteps; i++) {
                    step(trainer, manager, random, batchSize, length);
                }
                long start = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    step(trainer, manager, random, batchSize, length);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double tokensPerSecond = (double) steps * batchSize * length / seconds;
                return new Result(
                        config,
                        precision,
                        batchSize,
                        tokensPerSecond,
                        1000 * seconds / steps,
                        tokensPerSecond * flopsPerToken(config, length),
                        peakMatmulFlops(precision, manager));
            }
        }
    }

    /**
     * Trains {@code steps} steps and samples the process's resident memory every {@code every} steps, to show that
     * native memory stays flat (no per-step leak). Returns the samples in MiB, the first taken after one step.
     */
    public static long[] residentMemoryOverSteps(
            LmConfig config, Precision precision, int batchSize, int steps, int every) {
        long[] samples = new long[steps / every + 1];
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            Gpt model = Gpt.create(config, precision, manager);
            SplittableRandom random = new SplittableRandom(1);
            try (TrainStep trainer = new TrainStep(model, manager, TrainStep.Options.defaults(3e-4f, 0))) {
                step(trainer, manager, random, batchSize, config.context());
                samples[0] = ResidentMemory.mebibytes();
                for (int i = 1; i <= steps; i++) {
                    step(trainer, manager, random, batchSize, config.context());
                    if (i % every == 0) {
                        samples[i / every] = ResidentMemory.mebibytes();
                    }
                }
            }
        }
        return samples;
    }

    /**
     * The samples of {@link #residentMemoryOverSteps} as text, one line per sample, and the growth over the second
     * half: the first steps warm up allocator caches and the JIT, so a leak shows as growth that continues after
     * them.
     */
    public static String residentMemoryReport(long[] mib, int steps, int every) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < mib.length; i++) {
            out.append(String.format(Locale.ROOT, "  after step %,6d: %,d MiB%n", Math.max(1, i * every), mib[i]));
        }
        int half = mib.length / 2;
        out.append(String.format(
                Locale.ROOT,
                "growth over the second half (step %,d to %,d): %+d MiB (%+.1f%%)%n",
                half * every,
                steps,
                mib[mib.length - 1] - mib[half],
                100.0 * (mib[mib.length - 1] - mib[half]) / mib[half]));
        return out.toString();
    }

    /**
     * Training FLOPs per token (Kaplan et al. 2020, as nanoGPT estimates MFU): 6 per weight of every matrix the
     * token passes through, the tied output head included, plus the attention products, 12 * layers * T * C.
     */
    public static double flopsPerToken(LmConfig c, int sequenceLength) {
        double matrixWeights = c.parameterCount() - (double) c.context() * c.dModel();
        return 6 * matrixWeights + 12.0 * c.layers() * sequenceLength * c.dModel();
    }

    /** FLOP/s of a 2048 x 1024 by 1024 x 1024 product at {@code precision}, best of a few runs. */
    static double peakMatmulFlops(Precision precision, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.randomNormal(new Shape(2048, 1024));
            NDArray w = scope.randomNormal(new Shape(1024, 1024));
            ComputeKernels kernels = ComputeKernels.forPrecision(precision);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 8; i++) {
                long t0 = System.nanoTime();
                kernels.linear(x, w, null).close();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return 2.0 * 2048 * 1024 * 1024 / best;
        }
    }

    private static void step(TrainStep trainer, NDManager manager, SplittableRandom random, int batchSize, int length) {
        int[][] windows = new int[batchSize][length + 1];
        for (int[] window : windows) {
            for (int j = 0; j < window.length; j++) {
                window[j] = random.nextInt(ByteTokenizer.BYTE_TOKENS);
            }
        }
        try (Batch batch = Batch.fromWindows(manager, windows)) {
            trainer.step(batch);
        }
    }
}
