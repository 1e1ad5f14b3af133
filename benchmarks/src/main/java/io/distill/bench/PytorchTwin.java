package io.distill.bench;

import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The PyTorch twin of the model and training step ({@code benchmarks/pytorch_gpt.py}), run as a child process with
 * the same dimensions, batch, steps and thread count as {@link TrainingBenchmark}.
 *
 * @param python a Python with torch
 * @param script the twin's path
 */
public record PytorchTwin(Path python, Path script) {

    /** True when both the interpreter and the script are there. */
    public boolean available() {
        return Files.isReadable(script) && Files.isExecutable(python);
    }

    /**
     * Tokens per second of the twin's training loop; empty when it fails (reported on {@code err}) or has no mode
     * for the precision.
     */
    public OptionalDouble tokensPerSecond(
            LmConfig c, Precision precision, int batch, int warmup, int steps, int threads, PrintWriter err) {
        if (precision == Precision.FP16) {
            return OptionalDouble.empty(); // PyTorch's CPU autocast has no fp16 either
        }
        List<String> command = List.of(
                python.toString(),
                script.toString(),
                "--layers",
                Integer.toString(c.layers()),
                "--heads",
                Integer.toString(c.heads()),
                "--d-model",
                Integer.toString(c.dModel()),
                "--context",
                Integer.toString(c.context()),
                "--vocab",
                Integer.toString(c.vocab()),
                "--batch",
                Integer.toString(batch),
                "--steps",
                Integer.toString(steps),
                "--warmup",
                Integer.toString(warmup),
                "--precision",
                precision.flag(),
                "--threads",
                Integer.toString(threads));
        return PythonBaseline.tokensPerSecond(command, err);
    }
}
