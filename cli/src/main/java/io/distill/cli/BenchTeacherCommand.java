package io.distill.cli;

import io.distill.bench.BenchCorpus;
import io.distill.bench.TeacherBenchTable;
import io.distill.bench.TeacherBenchmark;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.lm.codec.Codec;
import io.distill.lm.model.Precision;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "teacher",
        description = {
            "Measure the teacher service against the same model's bare batched forward loop, in one run: tokens/s "
                    + "of each (and their ratio, target >= 0.90) and wire bytes per token of each codec next to "
                    + "dense fp32 and fp16 logits.",
            "",
            "The service runs for real: exactly-once Kafka Streams on a broker started in this process (or "
                    + "--bootstrap), documents produced to the input topic first, timed by a read_committed consumer "
                    + "from the first commit it sees to the last (whole commit cycles of steady work). Bare-loop "
                    + "runs and service runs alternate, each service run is compared with the bare runs just "
                    + "before and after it, and the median round is reported, so background load hits both "
                    + "alike. Prints a Markdown table.",
            "",
            "Examples:",
            "  distill bench teacher",
            "  distill bench teacher --size student-1m --pretrain 60s --corpus README.md",
            ""
        })
final class BenchTeacherCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--size",
            defaultValue = "teacher-15m",
            paramLabel = "SIZE",
            description = "Model size (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(
            names = "--context",
            defaultValue = "128",
            paramLabel = "L",
            description = "Positions per window (default: ${DEFAULT-VALUE}).")
    int context;

    @Option(
            names = "--max-batch",
            defaultValue = "16",
            paramLabel = "N",
            description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(
            names = "--batches",
            defaultValue = "24",
            paramLabel = "N",
            description = "Batches per timed run (default: ${DEFAULT-VALUE}).")
    int batches;

    @Option(
            names = "--codecs",
            split = ",",
            defaultValue = "topk:32,sampled:12",
            paramLabel = "CODEC",
            description = "Codecs to run through the service (default: ${DEFAULT-VALUE}).")
    List<String> codecs;

    @Option(
            names = "--rounds",
            defaultValue = "3",
            paramLabel = "N",
            description = "Runs of each codec, each between two bare-loop runs; the median is reported "
                    + "(default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--corpus",
            paramLabel = "FILE",
            description = "Text the documents are cut from, and the pretraining text (default: README.md and "
                    + "docs/*.md if present, else random letters).")
    Path corpus;

    @Option(
            names = "--pretrain",
            defaultValue = "0s",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Train the model on the corpus this long first, so its distributions look like a real "
                    + "teacher's (default: ${DEFAULT-VALUE}: a random model).")
    Duration pretrain;

    // a named precision, not auto: the bare loop it is compared with runs at the same one
    @Mixin
    PrecisionOption precision = new PrecisionOption("fp32");

    @Mixin
    TeacherSignalOptions.Temperature temperature;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "Use this broker instead of starting one in this process.")
    String bootstrap;

    @Override
    public Integer call() throws Exception {
        Precision p = precision.resolve().precision();
        ModelFiles.namedSize(size);
        List<Codec> parsed = new ArrayList<>();
        for (String codec : codecs) {
            try {
                parsed.add(Codec.parse(codec));
            } catch (IllegalArgumentException e) {
                throw new CliException(CliException.BAD_INPUT, e.getMessage());
            }
        }
        var options = new TeacherBenchmark.Options(
                size, p, context, maxBatch, 4, batches, 3, temperature.value, parsed, rounds, corpusText(), pretrain);
        PrintStream log = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        TeacherBenchmark.Result result;
        if (bootstrap != null) {
            result = TeacherBenchmark.run(options, kafka(bootstrap), log);
        } else {
            try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startEphemeral()) {
                result = TeacherBenchmark.run(options, kafka(broker.bootstrapServers()), log);
            }
        }
        spec.commandLine().getOut().print(TeacherBenchTable.markdown(result));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static Properties kafka(String bootstrap) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        return props;
    }

    private byte[] corpusText() throws IOException {
        if (corpus != null) {
            if (!Files.isReadable(corpus)) {
                throw new CliException(CliException.BAD_INPUT, "cannot read corpus " + corpus);
            }
            return Files.readAllBytes(corpus);
        }
        return BenchCorpus.defaultText();
    }
}
