package io.distill.cli;

import ai.djl.ndarray.NDManager;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.train.Pretraining;
import io.distill.lm.train.TextCorpus;
import io.distill.teacher.TeacherModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The teacher of the benchmarks that train students from one (bench quality, bench time-to-quality): a trained
 * model directory, or one pretrained in the same process on the benchmark's own corpus, so that it never saw the
 * holdout.
 */
final class BenchTeacherOptions {
    @Option(
            names = "--teacher",
            paramLabel = "DIR",
            description = "A trained teacher (from `distill pretrain`); without it one is pretrained first.")
    Path dir;

    @Option(
            names = "--teacher-size",
            defaultValue = "teacher-15m",
            paramLabel = "SIZE",
            description = "Size of the teacher to pretrain without --teacher (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(
            names = "--pretrain",
            defaultValue = "10m",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How long to pretrain the teacher without --teacher (default: ${DEFAULT-VALUE}).")
    Duration pretrain;

    /**
     * The teacher from --teacher, else pretrained on the corpus's training part as `distill pretrain` does.
     *
     * @param prefix what progress lines start with, e.g. {@code "quality"}
     */
    TeacherModel load(
            TextCorpus text,
            Path corpus,
            Precision precision,
            long seed,
            NDManager manager,
            PrintWriter err,
            String prefix) {
        if (dir != null) {
            return ModelFiles.loadTeacher(dir, precision, manager);
        }
        LmConfig config = ModelFiles.namedSize(size);
        if (pretrain.isNegative() || pretrain.isZero()) {
            throw new CliException(CliException.BAD_INPUT, "--pretrain must be positive, got " + pretrain);
        }
        err.printf(
                Locale.ROOT,
                "%s: pretraining %s (%,d parameters) for %s on %s%n",
                prefix,
                size,
                config.parameterCount(),
                DurationConverter.format(pretrain),
                corpus);
        var options = new Pretraining.Options(
                config,
                precision,
                8,
                1e-3f,
                50,
                pretrain,
                seed,
                Duration.ofSeconds(60),
                64 * 1024,
                Optional.empty(),
                0);
        var gpt = Pretraining.run(
                text, options, manager, new PretrainingProgress(err, prefix + ": teacher", text.unigramEntropyBits()));
        return new TeacherModel(gpt, "pretrained-" + size, DurationConverter.format(pretrain) + "-seed-" + seed);
    }
}
