package io.distill.cli;

import ai.djl.ndarray.NDManager;
import io.distill.bench.OnPolicyBenchmark;
import io.distill.bench.OnPolicyTable;
import io.distill.bench.QualityArm;
import io.distill.bench.QualityBenchmark;
import io.distill.bench.QualityProgress;
import io.distill.bench.QualityTable;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.PrecisionChoice;
import io.distill.lm.train.TextCorpus;
import io.distill.teacher.TeacherModel;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "quality",
        description = {
            "Quality at equal tokens: the same student trained on hard labels only, with KD from the teacher's "
                    + "dense logits, and with KD through each wire codec, then measured on the same held-out text "
                    + "in bits per byte beside the teacher. Targets: every KD arm clearly below hard labels; the "
                    + "codecs within 2%% of dense.",
            "",
            "Every arm starts from the same weights (same seed) and trains on the same batches in the same order "
                    + "for the same number of tokens, with the trainer's loss mix, optimizer and schedule. The codec "
                    + "arms' soft labels are made by the teacher service's encoder and read back by the trainer's "
                    + "decoder, byte for byte what goes over Kafka. The holdout is 5%% of the corpus (every 20th "
                    + "4 KiB block), the same split `distill pretrain` holds out. Prints Markdown tables.",
            "",
            "With --on-policy: off-policy forward-KL KD, on-policy GKD (half of every batch the student's own "
                    + "samples, jsd:0.5) and reverse KL, at equal tokens, from the teacher's dense logits; measured on "
                    + "holdout bits per byte and on the teacher's bits per byte of the student's generations from "
                    + "fixed prompts, with one generation per arm.",
            "",
            "With --project bytes: a byte-level student distilled from a token-level teacher (a Hugging Face "
                    + "directory with a byte-level BPE or byte-fallback tokenizer) through the byte projection, "
                    + "against hard labels at equal bytes. The labels are made first, as `teacher --project bytes` "
                    + "makes them, for random windows of the teacher's context (--batch of them a step); --tokens "
                    + "counts bytes; --codecs defaults to topk:32.",
            "",
            "Examples:",
            "  distill bench quality --teacher distill-data/teacher",
            "  distill bench quality --project bytes --teacher bpe-teacher --tokens 300000 --codecs topk:32,topk:32@0.5",
            "  distill bench quality --on-policy --teacher distill-data/teacher --tokens 500000",
            "  distill bench quality --pretrain 10m --tokens 2000000",
            "  distill bench quality --teacher-size student-1m --pretrain 1m --size tiny",
            ""
        })
final class BenchQualityCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BenchDistillOptions setup;

    @Option(
            names = "--codecs",
            split = ",",
            defaultValue = "topk:32,sampled:12",
            paramLabel = "CODEC",
            description = "Codec arms, beside the hard-label and dense arms (default: ${DEFAULT-VALUE}). A KD arm "
                    + "may carry its own --alpha: sampled:12@0.5, or dense@0.5 for another dense arm.")
    List<String> codecs;

    @Option(
            names = "--tokens",
            defaultValue = "2000000",
            paramLabel = "N",
            description = "Tokens every arm trains on, rounded up to whole steps (default: ${DEFAULT-VALUE}).")
    long tokens;

    @Option(names = "--steps", paramLabel = "N", description = "Training steps of every arm, instead of --tokens.")
    Long steps;

    // the trainer's defaults, so that the arms measure what `distill train` does
    @Mixin
    OptimizerOptions optimizer = new OptimizerOptions(1e-3f, 100, 8, 1);

    @Mixin
    TeacherSignalOptions.Temperature temperature;

    @Mixin
    PrecisionOption precision = new PrecisionOption("auto");

    @Option(
            names = "--alpha",
            defaultValue = "0.9",
            paramLabel = "A",
            description = "Weight of the distillation term in the KD arms (default: ${DEFAULT-VALUE}).")
    float alpha;

    @Option(
            names = "--evaluations",
            defaultValue = "4",
            paramLabel = "N",
            description = "Holdout measurements of every arm during training, evenly spaced (default: "
                    + "${DEFAULT-VALUE}).")
    int evaluations;

    @Option(
            names = "--on-policy",
            description = "Compare off-policy forward-KL, on-policy GKD (lambda 0.5, jsd:0.5) and reverse-KL "
                    + "instead of the codecs (--codecs is ignored).")
    boolean onPolicy;

    @Option(
            names = "--prompts",
            defaultValue = "32",
            paramLabel = "N",
            description = "With --on-policy: fixed holdout prompts that score generation (default: ${DEFAULT-VALUE}).")
    int prompts;

    @Option(
            names = "--project",
            paramLabel = "bytes",
            description = "'bytes': distill a byte-level student from a token-level teacher through the byte "
                    + "projection (needs --teacher).")
    String project;

    @Override
    public Integer call() {
        LmConfig student = setup.student();
        PrecisionChoice choice = precision.resolve();
        if (project != null) {
            return BenchQualityBytes.run(this, student, choice);
        }
        QualityBenchmark.Options options = options(student, choice, arms(true), null);
        OnPolicyBenchmark.Options onPolicyOptions = null;
        if (onPolicy) {
            try {
                onPolicyOptions = new OnPolicyBenchmark.Options(options, prompts);
            } catch (IllegalArgumentException e) {
                throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
            }
        }
        TextCorpus text = setup.text();
        PrintWriter err = spec.commandLine().getErr();
        try (NDManager manager = NDManager.newBaseManager()) {
            TeacherModel teacher = setup.teacher(text, choice.precision(), optimizer.seed, manager, err, "quality");
            err.printf(
                    Locale.ROOT,
                    "quality: %s (%,d parameters) x %d arms (%s), %,d steps of %d x %d = %,d tokens each, on %s "
                            + "(%,d training bytes, %,d held out); teacher %s; precision %s%n",
                    setup.size,
                    student.parameterCount(),
                    onPolicy ? 3 : options.arms().size(),
                    onPolicy
                            ? "forward-kl, gkd, reverse-kl"
                            : options.arms().stream().map(QualityArm::name).collect(Collectors.joining(", ")),
                    options.steps(),
                    optimizer.batch,
                    student.context(),
                    options.steps() * options.tokensPerStep(),
                    setup.corpus,
                    text.trainTokens(),
                    text.holdoutTokens(),
                    teacher.modelId(),
                    choice);
            if (onPolicy) {
                return onPolicy(teacher, text, onPolicyOptions, err);
            }
            QualityBenchmark.Result result;
            try {
                result = QualityBenchmark.run(teacher, text, options, new QualityProgress(err, options));
            } catch (IllegalArgumentException e) {
                throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
            }
            PrintWriter out = spec.commandLine().getOut();
            printSetup(out, options);
            out.print(QualityTable.markdown(result));
            out.flush();
        }
        return 0;
    }

    /** The hard-label arm, the dense one if asked, and the --codecs arms. */
    List<QualityArm> arms(boolean dense) {
        List<QualityArm> arms = new ArrayList<>(List.of(QualityArm.HARD));
        if (dense) {
            arms.add(QualityArm.DENSE);
        }
        try {
            for (String codec : codecs) {
                QualityArm arm = QualityArm.parse(codec);
                if (arm.kind() == QualityArm.Kind.HARD) {
                    throw new IllegalArgumentException("--codecs: the hard-label arm always runs");
                }
                arms.add(arm);
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
        }
        return arms;
    }

    /** @param tokenSteps the steps --tokens asks for, or null for those of windows of the student's context */
    QualityBenchmark.Options options(LmConfig student, PrecisionChoice choice, List<QualityArm> arms, Long tokenSteps) {
        try {
            if (steps == null && tokens < 1) {
                throw new IllegalArgumentException("--tokens must be at least 1, got " + tokens);
            }
            long n = steps != null
                    ? steps
                    : tokenSteps != null
                            ? tokenSteps
                            : QualityBenchmark.Options.stepsFor(tokens, Math.max(1, optimizer.batch), student);
            return new QualityBenchmark.Options(
                    student,
                    choice.precision(),
                    arms,
                    n,
                    optimizer.batch,
                    alpha,
                    temperature.value,
                    optimizer.learningRate,
                    optimizer.warmup,
                    optimizer.seed,
                    evaluations);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
        }
    }

    /** {@code --on-policy}: the three arms of {@link OnPolicyBenchmark} on the same training options. */
    private int onPolicy(TeacherModel teacher, TextCorpus text, OnPolicyBenchmark.Options o, PrintWriter err) {
        QualityBenchmark.Options options = o.training();
        OnPolicyBenchmark.Result result;
        try {
            result = OnPolicyBenchmark.run(teacher, text, o, line -> {
                err.println("quality --on-policy: " + line);
                err.flush();
            });
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        printSetup(out, options);
        out.print(OnPolicyTable.markdown(result));
        out.flush();
        return 0;
    }

    /** The line above the tables: what was trained, how. */
    void printSetup(PrintWriter out, QualityBenchmark.Options options) {
        out.printf(
                Locale.ROOT,
                "%s students, %s, %,d steps of %d x %d, alpha %s, T %s, lr %s (warmup %d), seed %d, corpus %s%n%n",
                setup.size,
                options.precision().flag(),
                options.steps(),
                optimizer.batch,
                options.student().context(),
                alpha,
                temperature.value,
                optimizer.learningRate,
                optimizer.warmup,
                optimizer.seed,
                setup.corpus);
    }
}
