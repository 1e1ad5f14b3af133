package io.distill.bench;

import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PyTorch twin of the model and training step ({@code benchmarks/pytorch_gpt.py}), run as a child process with
 * the same dimensions, batch, steps and thread count as {@link TrainingBenchmark}.
 *
 * @param python a Python with torch
 * @param script the twin's path
 */
public record PytorchTwin(Path python, Path script) {
    private static final Pattern RESULT = Pattern.compile("RESULT .*tokens_per_s=([0-9.]+)");

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
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
                err.println("bench: PyTorch baseline failed: " + output.strip());
                return OptionalDouble.empty();
            }
            Matcher m = RESULT.matcher(output);
            return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
        } catch (IOException e) {
            err.println("bench: cannot run " + python + ": " + e.getMessage());
            return OptionalDouble.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalDouble.empty();
        }
    }
}
