package io.distill.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.hf.HfImport;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.Precision;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * The teacher's forward pass for labelling (no grad) on an imported Hugging Face model, against the plain-PyTorch
 * forward of the same weights ({@code benchmarks/hf_reference.py bench}), same batch, sequence length, precision and
 * thread count, in the same run. The two alternate for several rounds and the median of the per-round ratios is
 * reported, since a machine shared with other work drifts between one measurement and the next.
 */
public final class ForwardBenchmark {
    /**
     * Median tokens per second of distill and of PyTorch over the rounds, and the median of the rounds' ratios
     * (empty when the baseline could not run).
     */
    public record Result(double distill, OptionalDouble pytorch, OptionalDouble ratio) {}

    /** What to run. */
    public record Options(
            Path model, Precision precision, int batch, int seq, int warmup, int steps, int threads, int rounds) {}

    private ForwardBenchmark() {}

    public static Result run(Options o, Path python, Path script, PrintWriter err) throws IOException {
        double[] ours = new double[o.rounds()];
        double[] theirs = new double[o.rounds()];
        double[] ratios = new double[o.rounds()];
        boolean baseline = true;
        for (int r = 0; r < o.rounds(); r++) {
            ours[r] = distill(o);
            OptionalDouble p = baseline ? pytorch(o, python, script, err) : OptionalDouble.empty();
            baseline = p.isPresent();
            theirs[r] = p.orElse(Double.NaN);
            ratios[r] = ours[r] / theirs[r];
        }
        return baseline
                ? new Result(median(ours), OptionalDouble.of(median(theirs)), OptionalDouble.of(median(ratios)))
                : new Result(median(ours), OptionalDouble.empty(), OptionalDouble.empty());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** One round of distill: load, warm up, time {@code steps} passes. */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    private static double distill(Options o) throws IOException {
        double distill;
        try (NDManager manager = NDManager.newBaseManager();
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            Gpt gpt = HfImport.load(o.model(), o.precision(), manager).gpt();
            long[] ids = new long[o.batch() * o.seq()];
            SplittableRandom random = new SplittableRandom(1);
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random.nextInt(gpt.config().vocab());
            }
            ParameterStore ps = new ParameterStore(manager, false);
            long start = 0;
            for (int i = 0; i < o.warmup() + o.steps(); i++) {
                if (i == o.warmup()) {
                    start = System.nanoTime();
                }
                try (NDManager step = manager.newSubManager()) {
                    NDArray logits = gpt.logits(ps, step.create(ids, new Shape(o.batch(), o.seq())), false);
                    logits.getFloat(0, 0, 0); // libtorch is eager on the CPU; this only pins the result
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            distill = (double) o.steps() * o.batch() * o.seq() / seconds;
        }
        return distill;
    }

    private static OptionalDouble pytorch(Options o, Path python, Path script, PrintWriter err) {
        if (!Files.isExecutable(python) || !Files.isReadable(script)) {
            err.println("bench forward: no PyTorch baseline (" + python + " or " + script + " missing)");
            return OptionalDouble.empty();
        }
        List<String> command = List.of(
                python.toString(),
                script.toString(),
                "bench",
                "--model",
                o.model().toString(),
                "--batch",
                Integer.toString(o.batch()),
                "--seq",
                Integer.toString(o.seq()),
                "--steps",
                Integer.toString(o.steps()),
                "--warmup",
                Integer.toString(o.warmup()),
                "--precision",
                o.precision().flag(),
                "--threads",
                Integer.toString(o.threads()));
        return PythonBaseline.tokensPerSecond(command, err);
    }
}
