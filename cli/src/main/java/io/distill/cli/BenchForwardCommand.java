package io.distill.cli;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.distill.bench.ForwardBenchmark;
import io.distill.lm.hf.HfImport;
import io.distill.lm.model.Precision;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "forward",
        description = {
            "Measure the teacher's forward pass for labelling (no grad) on a Hugging Face model against a "
                    + "plain-PyTorch forward of the same weights (benchmarks/hf_reference.py), same batch, "
                    + "sequence, precision and threads, in the same run. Target: a ratio of at least 1.0 at bf16.",
            "",
            "Examples:",
            "  distill bench forward --model models/llama --precision bf16",
            "  python3 benchmarks/hf_models.py make --arch llama --layers 4 --hidden 256 --heads 8 --kv-heads 2 \\",
            "      --intermediate 688 --vocab-size 32000 --out /tmp/llama && distill bench forward --model /tmp/llama",
            ""
        })
final class BenchForwardCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A Hugging Face model directory.")
    Path model;

    // bf16, the precision whose target this benchmark checks (a ratio of at least 1.0 against PyTorch)
    @Mixin
    PrecisionOption precision = new PrecisionOption("bf16");

    @Option(
            names = "--batch",
            defaultValue = "8",
            paramLabel = "N",
            description = "Sequences (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--seq",
            defaultValue = "256",
            paramLabel = "T",
            description = "Positions (default: ${DEFAULT-VALUE}).")
    int seq;

    @Mixin
    TimedRunOptions run = new TimedRunOptions(10, 2);

    @Option(
            names = "--rounds",
            defaultValue = "3",
            paramLabel = "N",
            description = "distill and PyTorch alternate this many times; medians are reported (default: "
                    + "${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--threads",
            defaultValue = "1",
            paramLabel = "N",
            description = "libtorch threads for both (default: ${DEFAULT-VALUE}; PyTorch 1.13's fp32 is fastest "
                    + "with one here).")
    int threads;

    @Option(
            names = "--python",
            defaultValue = "/usr/bin/python3",
            paramLabel = "PYTHON",
            description = "Python with torch for the baseline (default: ${DEFAULT-VALUE}).")
    Path python;

    @Option(
            names = "--reference-script",
            defaultValue = "benchmarks/hf_reference.py",
            paramLabel = "FILE",
            description = "The plain-PyTorch forward (default: ${DEFAULT-VALUE}).")
    Path script;

    @Override
    public Integer call() {
        Precision p = precision.resolve().precision();
        if (p == Precision.FP16
                || batch < 1
                || seq < 1
                || run.steps < 1
                || run.warmup < 0
                || threads < 1
                || rounds < 1) {
            throw new CliException(
                    CliException.BAD_INPUT,
                    "--precision fp32|bf16, --batch/--seq/--steps/--threads/--rounds >= 1, --warmup >= 0");
        }
        if (!HfImport.isHfModel(model)) {
            throw new CliException(
                    CliException.BAD_INPUT, "--model " + model + " is not a Hugging Face model directory");
        }
        Engine.getInstance(); // loads libtorch, whose thread count is set next
        JniUtils.setNumThreads(threads);
        PrintWriter out = spec.commandLine().getOut();
        ForwardBenchmark.Result r;
        try {
            r = ForwardBenchmark.run(
                    new ForwardBenchmark.Options(model, p, batch, seq, run.warmup, run.steps, threads, rounds),
                    python,
                    script,
                    spec.commandLine().getErr());
        } catch (IOException e) {
            throw new CliException(CliException.BAD_INPUT, "cannot load " + model + ": " + e.getMessage(), e);
        }
        out.println(
                "| model | precision | batch x seq | threads | distill tokens/s | PyTorch tokens/s | ratio (median of "
                        + rounds + " rounds) |");
        out.println("|---|---|---|---|---|---|---|");
        out.printf(
                Locale.ROOT,
                "| %s | %s | %d x %d | %d | %,.0f | %s | %s |%n",
                model.getFileName(),
                p.flag(),
                batch,
                seq,
                threads,
                r.distill(),
                r.pytorch().isPresent()
                        ? String.format(Locale.ROOT, "%,.0f", r.pytorch().getAsDouble())
                        : "n/a",
                r.ratio().isPresent()
                        ? String.format(Locale.ROOT, "%.2f", r.ratio().getAsDouble())
                        : "n/a");
        return 0;
    }
}
