package io.distill.cli;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.distill.bench.PytorchTwin;
import io.distill.bench.TrainingBenchmark;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "bench",
        description = {
            "Measure training throughput of the model sizes at each precision, side by side with the same model "
                    + "and step in plain PyTorch, run in the same invocation on the same machine.",
            "",
            "Prints a Markdown table: tokens/s of distill and of PyTorch, their ratio, model GFLOP/s, and "
                    + "utilisation against the best matrix product this machine does at that precision. The "
                    + "PyTorch baseline needs python3 with torch (Debian: apt-get install python3-torch "
                    + "libopenblas0-pthread); without it only distill's numbers are printed.",
            "",
            "Examples:",
            "  distill bench",
            "  distill bench --sizes student-1m --precisions bf16 --steps 20",
            "  distill bench trainer      (the student trainer against the bare training loop)",
            "  distill bench teacher      (the teacher service against its bare forward loop; see its --help)",
            "  distill bench quality      (KD students against hard labels and dense logits; see its --help)",
            "  distill bench time-to-quality  (fp32 vs bf16 vs bf16 + KD to the same holdout quality; see its --help)",
            "  distill bench forward      (a Hugging Face teacher's forward against plain PyTorch; see its --help)",
            ""
        },
        subcommands = {
            BenchTeacherCommand.class,
            BenchTrainerCommand.class,
            BenchQualityCommand.class,
            BenchTimeToQualityCommand.class,
            BenchForwardCommand.class,
            BenchBytesCommand.class
        })
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--sizes",
            split = ",",
            defaultValue = "student-1m,teacher-15m",
            paramLabel = "SIZE",
            description = "Model sizes to measure (default: ${DEFAULT-VALUE}).")
    List<String> sizes;

    @Option(
            names = "--precisions",
            split = ",",
            defaultValue = "fp32,bf16",
            paramLabel = "PRECISION",
            description = "Precisions to measure: fp32, bf16, fp16 (default: ${DEFAULT-VALUE}).")
    List<String> precisions;

    @Option(
            names = "--batch",
            defaultValue = "8",
            paramLabel = "N",
            description = "Windows per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    TimedRunOptions run = new TimedRunOptions(10, 3);

    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "libtorch intra-op threads, for distill and PyTorch alike (default: the number of "
                    + "cores). 1 keeps the comparison fair when other processes share the cores: two spinning "
                    + "threads on a busy machine slow libtorch down several times.")
    Integer threads;

    @Option(
            names = "--rss-steps",
            defaultValue = "0",
            paramLabel = "N",
            description = "Instead of throughput, train the first size at the first precision for N steps and "
                    + "print resident memory every N/10 steps, to check for native leaks (default: off).")
    int rssSteps;

    @Option(
            names = "--python",
            defaultValue = "/usr/bin/python3",
            paramLabel = "PYTHON",
            description = "Python with torch for the baseline (default: ${DEFAULT-VALUE}).")
    String python;

    @Option(
            names = "--pytorch-script",
            defaultValue = "benchmarks/pytorch_gpt.py",
            paramLabel = "FILE",
            description = "The PyTorch twin of the model and step (default: ${DEFAULT-VALUE}).")
    Path script;

    @Override
    public Integer call() {
        List<Precision> parsed = new ArrayList<>();
        for (String p : precisions) {
            try {
                parsed.add(Precision.valueOf(p.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new CliException(CliException.BAD_INPUT, "unknown precision '" + p + "'; use fp32, bf16 or fp16");
            }
        }
        List<LmConfig> configs = new ArrayList<>();
        for (String size : sizes) {
            configs.add(ModelFiles.namedSize(size.trim()));
        }
        if (threads == null) {
            threads = Runtime.getRuntime().availableProcessors();
        } else if (threads < 1) {
            throw new CliException(CliException.BAD_INPUT, "--threads must be at least 1, got " + threads);
        }
        Engine.getInstance(); // loads libtorch, whose thread count is set next
        JniUtils.setNumThreads(threads);
        PrintWriter out = spec.commandLine().getOut();
        if (rssSteps > 0) {
            return residentMemory(configs.get(0), parsed.get(0), out);
        }
        PytorchTwin twin = new PytorchTwin(Path.of(python), script);
        PrintWriter err = spec.commandLine().getErr();
        if (!twin.available()) {
            err.println("bench: no PyTorch baseline (" + python + " or " + script + " missing); distill only");
        }
        out.println(TrainingBenchmark.TABLE_HEAD);
        for (int i = 0; i < configs.size(); i++) {
            LmConfig config = configs.get(i);
            for (Precision precision : parsed) {
                err.println("bench: " + sizes.get(i).trim() + " " + precision.flag() + " ...");
                TrainingBenchmark.Result ours = TrainingBenchmark.run(config, precision, batch, run.warmup, run.steps);
                OptionalDouble theirs = twin.available()
                        ? twin.tokensPerSecond(config, precision, batch, run.warmup, run.steps, threads, err)
                        : OptionalDouble.empty();
                out.println(TrainingBenchmark.row(sizes.get(i).trim(), ours, theirs));
                out.flush();
            }
        }
        return 0;
    }

    private int residentMemory(LmConfig config, Precision precision, PrintWriter out) {
        int every = Math.max(1, rssSteps / 10);
        long[] mib = TrainingBenchmark.residentMemoryOverSteps(config, precision, batch, rssSteps, every);
        out.printf(
                Locale.ROOT, "resident memory, %s %s, batch %d:%n", sizes.get(0).trim(), precision.flag(), batch);
        out.print(TrainingBenchmark.residentMemoryReport(mib, rssSteps, every));
        out.flush(); // print does not flush picocli's writer, and the report was lost at exit
        return 0;
    }
}
