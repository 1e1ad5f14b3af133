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
 * What the benchmarks that train students from a teacher (bench quality, bench time-to-quality) train on: the
 * corpus with its holdout, the student's size, and the teacher: a trained model directory, or one pretrained in the
 * same process on the corpus's training part, so that it never saw the holdout.
 */
final class BenchDistillOptions {
    @Option(
            names = "--corpus",
            defaultValue = "builtin",
            paramLabel = "FILE",
            description = "Text to train and evaluate on, or 'builtin' for the project's own docs and sources "
                    + "(default: ${DEFAULT-VALUE}).")
    Path corpus;

    @Option(
            names = "--size",
            defaultValue = "student-1m",
            paramLabel = "SIZE",
            description = "Student size (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(
            names = "--teacher",
            paramLabel = "DIR",
            description = "A trained teacher (from `distill pretrain`); without it one is pretrained first.")
    Path teacherDir;

    @Option(
            names = "--teacher-size",
            defaultValue = "teacher-15m",
            paramLabel = "SIZE",
            description = "Size of the teacher to pretrain without --teacher (default: ${DEFAULT-VALUE}).")
    String teacherSize;

    @Option(
            names = "--pretrain",
            defaultValue = "10m",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How long to pretrain the teacher without --teacher (default: ${DEFAULT-VALUE}).")
    Duration pretrain;

    /** The student's shape, or a one-line error. */
    LmConfig student() {
        return ModelFiles.namedSize(size);
    }

    /** The corpus, 5% held out (every 20th 4 KiB block, as `distill pretrain` does), or a one-line error. */
    TextCorpus text() {
        try {
            return TextCorpus.of(ModelFiles.readCorpus(corpus), 0.05);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, corpus + ": " + e.getMessage());
        }
    }

    /**
     * The teacher from --teacher, else pretrained on the corpus's training part as `distill pretrain` does.
     *
     * @param prefix what progress lines start with, e.g. {@code "quality"}
     */
    TeacherModel teacher(
            TextCorpus text, Precision precision, long seed, NDManager manager, PrintWriter err, String prefix) {
        if (teacherDir != null) {
            return ModelFiles.loadTeacher(teacherDir, precision, manager);
        }
        LmConfig config = ModelFiles.namedSize(teacherSize);
        if (pretrain.isNegative() || pretrain.isZero()) {
            throw new CliException(CliException.BAD_INPUT, "--pretrain must be positive, got " + pretrain);
        }
        err.printf(
                Locale.ROOT,
                "%s: pretraining %s (%,d parameters) for %s on %s%n",
                prefix,
                teacherSize,
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
        return new TeacherModel(gpt, "pretrained-" + teacherSize, DurationConverter.format(pretrain) + "-seed-" + seed);
    }
}
