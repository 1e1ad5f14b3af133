package io.distill.cli;

import io.distill.bench.TrainerBenchmark;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.lm.artifact.FileTrees;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "trainer",
        description = {
            "Measure the student trainer's pipeline overhead: its tokens/s through Kafka (consumer, record "
                    + "checks, batch assembly, offset bookkeeping) against the bare training loop on the same "
                    + "batches, in the same run, rounds alternating. Target: a ratio of at least 0.90.",
            "",
            "Starts an embedded broker unless --bootstrap is given.",
            "",
            "Examples:",
            "  distill bench trainer",
            "  distill bench trainer --size tiny --batch 16 --steps 100",
            ""
        })
final class BenchTrainerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "Use this broker (default: an embedded one).")
    String bootstrap;

    @Option(
            names = "--size",
            defaultValue = "student-1m",
            paramLabel = "SIZE",
            description = "Student size (default: ${DEFAULT-VALUE}).")
    String size;

    // a named precision, not auto: the bare loop it is compared with runs at the same one
    @Mixin
    PrecisionOption precision = new PrecisionOption("fp32");

    @Option(
            names = "--batch",
            defaultValue = "8",
            paramLabel = "N",
            description = "Windows per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    TimedRunOptions run = new TimedRunOptions(30, 3);

    @Option(
            names = "--rounds",
            defaultValue = "2",
            paramLabel = "N",
            description = "Runs of each, alternating (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() throws Exception {
        ModelFiles.namedSize(size);
        TrainerBenchmark.Options options;
        try {
            options = new TrainerBenchmark.Options(
                    size, precision.resolve().precision(), batch, run.steps, run.warmup, rounds);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
        }
        Path work = Files.createTempDirectory("distill-bench-trainer-");
        PrintStream log = new PrintStream(new WriterOutputStream(spec), true, StandardCharsets.UTF_8);
        try {
            TrainerBenchmark.Result result;
            if (bootstrap != null) {
                result = TrainerBenchmark.run(bootstrap, options, work, log);
            } else {
                try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startEphemeral()) {
                    result = TrainerBenchmark.run(broker.bootstrapServers(), options, work, log);
                }
            }
            spec.commandLine().getOut().println(result.summary());
        } finally {
            FileTrees.deleteRecursively(work);
        }
        return 0;
    }

    /** The command's error writer as a stream, for the benchmark's progress lines. */
    private static final class WriterOutputStream extends java.io.OutputStream {
        private final CommandSpec spec;

        WriterOutputStream(CommandSpec spec) {
            this.spec = spec;
        }

        @Override
        public void write(int b) {
            spec.commandLine().getErr().write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            spec.commandLine().getErr().write(new String(b, off, len, StandardCharsets.UTF_8));
            spec.commandLine().getErr().flush();
        }
    }
}
