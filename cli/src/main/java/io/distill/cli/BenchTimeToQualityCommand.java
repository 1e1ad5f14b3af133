package io.distill.cli;

import ai.djl.ndarray.NDManager;
import io.distill.bench.QualityBenchmark;
import io.distill.bench.TimeToQualityBenchmark;
import io.distill.bench.TimeToQualityTable;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.PrecisionChoice;
import io.distill.lm.train.TextCorpus;
import io.distill.teacher.TeacherModel;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "time-to-quality",
        description = {
            "Time to quality: the training time a student needs to reach a holdout bits-per-byte target, three ways: "
                    + "(a) fp32 with hard labels, (b) bf16 with hard labels, (c) bf16 with KD from the teacher's "
                    + "soft labels through the wire codec. The target is what (a) reaches at the end of its budget "
                    + "(--tokens). Target (issue 13): (c)/(a) <= 0.20.",
            "",
            "The arms run one after the other from the same weights (same seed) on the same batches in the same "
                    + "order, with the trainer's loss mix, optimizer and schedule, and are evaluated on the holdout "
                    + "(5%% of the corpus, the split `distill pretrain` holds out) at the same steps; evaluation is "
                    + "off the training clock. The time to the target is interpolated between evaluations; (b) and "
                    + "(c) stop at the target or at --cap times (a)'s training time, and one that did not reach it "
                    + "is reported as such. The teacher's labelling for (c) (its no-grad forward and the encoding) "
                    + "is timed separately and shown shared by 1, 4 and 16 students. Times are wall and thread CPU "
                    + "time; give libtorch one thread (-Dai.djl.pytorch.num_threads=1) on a shared machine, where "
                    + "the CPU time is the steadier figure. Prints Markdown tables.",
            "",
            "Examples:",
            "  distill bench time-to-quality --teacher distill-data/teacher --corpus corpus.txt",
            "  distill bench time-to-quality --pretrain 10m --tokens 2000000 --evaluations 20",
            ""
        })
final class BenchTimeToQualityCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BenchDistillOptions setup;

    @Mixin
    TeacherSignalOptions signal;

    @Option(
            names = "--tokens",
            defaultValue = "1000000",
            paramLabel = "N",
            description = "(a)'s budget in tokens, rounded up to whole evaluation intervals (default: "
                    + "${DEFAULT-VALUE}).")
    long tokens;

    @Option(names = "--steps", paramLabel = "N", description = "(a)'s budget in training steps, instead of --tokens.")
    Long steps;

    @Option(
            names = "--evaluations",
            defaultValue = "16",
            paramLabel = "N",
            description = "Holdout evaluations within (a)'s budget; the other arms are evaluated at the same steps "
                    + "(default: ${DEFAULT-VALUE}).")
    int evaluations;

    @Option(
            names = "--cap",
            defaultValue = "2",
            paramLabel = "X",
            description = "(b) and (c) train at most X times (a)'s training time (default: ${DEFAULT-VALUE}).")
    double cap;

    @Option(
            names = "--alpha",
            defaultValue = "0.9",
            paramLabel = "A",
            description = "Weight of the distillation term in (c) (default: ${DEFAULT-VALUE}).")
    float alpha;

    // the trainer's defaults, so that the arms measure what `distill train` does
    @Mixin
    OptimizerOptions optimizer = new OptimizerOptions(1e-3f, 100, 8, 1);

    @Override
    public Integer call() {
        LmConfig student = setup.student();
        TimeToQualityBenchmark.Options options = options(student);
        TextCorpus text = setup.text();
        // the teacher labels as the teacher service does by default
        PrecisionChoice teacherPrecision = ModelFiles.precision("auto");
        PrintWriter err = spec.commandLine().getErr();
        try (NDManager manager = NDManager.newBaseManager()) {
            TeacherModel teacher =
                    setup.teacher(text, teacherPrecision.precision(), optimizer.seed, manager, err, "time-to-quality");
            err.printf(
                    Locale.ROOT,
                    "time-to-quality: %s (%,d parameters), budget %,d steps of %d x %d = %,d tokens, evaluated every "
                            + "%,d steps, on %s (%,d training bytes, %,d held out); teacher %s at %s%n",
                    setup.size,
                    student.parameterCount(),
                    options.budgetSteps(),
                    optimizer.batch,
                    student.context(),
                    options.budgetSteps() * optimizer.batch * student.context(),
                    options.evaluateEvery(),
                    setup.corpus,
                    text.trainTokens(),
                    text.holdoutTokens(),
                    teacher.modelId(),
                    teacherPrecision);
            TimeToQualityBenchmark.Result result;
            try {
                result = TimeToQualityBenchmark.run(teacher, text, options, line -> {
                    err.println("time-to-quality: " + line);
                    err.flush();
                });
            } catch (IllegalArgumentException e) {
                throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.printf(
                    Locale.ROOT,
                    "%s students, %,d steps of %d x %d budget for (a), alpha %s, T %s, lr %s (warmup %d), seed %d, "
                            + "cap %s x (a), corpus %s%n%n",
                    setup.size,
                    options.budgetSteps(),
                    optimizer.batch,
                    student.context(),
                    alpha,
                    signal.temperature.value,
                    optimizer.learningRate,
                    optimizer.warmup,
                    optimizer.seed,
                    cap,
                    setup.corpus);
            out.print(TimeToQualityTable.markdown(result));
            out.flush();
        }
        return 0;
    }

    private TimeToQualityBenchmark.Options options(LmConfig student) {
        try {
            if (steps == null && tokens < 1) {
                throw new IllegalArgumentException("--tokens must be at least 1, got " + tokens);
            }
            long n = steps != null
                    ? steps
                    : QualityBenchmark.Options.stepsFor(tokens, Math.max(1, optimizer.batch), student);
            return new TimeToQualityBenchmark.Options(
                    student,
                    signal.codec,
                    n,
                    optimizer.batch,
                    alpha,
                    signal.temperature.value,
                    optimizer.learningRate,
                    optimizer.warmup,
                    optimizer.seed,
                    evaluations,
                    cap);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
        }
    }
}
