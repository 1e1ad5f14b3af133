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
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * The teacher's forward pass for labelling (no grad) on an imported Hugging Face model, against the plain-PyTorch
 * forward of the same weights ({@code benchmarks/hf_reference.py bench}), same batch, sequence length, precision and
 * thread count, in the same run.
 */
public final class ForwardBenchmark {
    /** Tokens per second of distill and of PyTorch (empty when the baseline could not run). */
    public record Result(double distill, OptionalDouble pytorch) {
        public OptionalDouble ratio() {
            return pytorch.isPresent() ? OptionalDouble.of(distill / pytorch.getAsDouble()) : OptionalDouble.empty();
        }
    }

    /** What to run. */
    public record Options(Path model, Precision precision, int batch, int seq, int warmup, int steps, int threads) {}

    private ForwardBenchmark() {}

    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    public static Result run(Options o, Path python, Path script, PrintWriter err) throws IOException {
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
        return new Result(distill, pytorch(o, python, script, err));
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
