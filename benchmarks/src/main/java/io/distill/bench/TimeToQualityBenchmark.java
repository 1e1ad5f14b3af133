package io.distill.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.distill.lm.Durations;
import io.distill.lm.codec.Codec;
import io.distill.lm.eval.BitsPerByte;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.train.AdamW;
import io.distill.lm.train.LearningRateSchedule;
import io.distill.lm.train.SoftTargets;
import io.distill.lm.train.TextCorpus;
import io.distill.lm.train.TrainStep;
import io.distill.teacher.TeacherModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * Time to quality: the wall time a student needs to reach a holdout bits-per-byte target, three ways: (a) fp32 with
 * hard labels, the plain baseline; (b) bf16 with hard labels; (c) bf16 with KD from the teacher's soft labels as a
 * wire codec carries them (made by the teacher service's encoder, read back by the trainer's decoder, {@link
 * ArmStudent}). The target is what (a) reaches at the end of its budget of steps.
 *
 * <p>The arms run one after the other, each alone, from the same initial weights (same seed) on the same batches in
 * the same order, with the trainer's optimizer, schedule and loss mix. Each is evaluated on the holdout every {@link
 * Options#evaluateEvery()} steps; evaluation is off the training clock. (b) and (c) stop at the first evaluation at or
 * below the target, or once their training time passes {@link Options#cap()} times (a)'s. The time to the target is
 * interpolated between evaluations ({@link TargetCrossing}).
 *
 * <p>(c)'s teacher labelling (the teacher's no-grad forward and the encoding of the records) is timed apart from its
 * training: on a log, one teacher stream serves every student that reads it, so its cost is reported separately and
 * shared. Every time is kept on two clocks ({@link Clocks}): wall time, and the thread's CPU time, which with libtorch
 * at one thread is the work itself even when other jobs share the cores.
 */
public final class TimeToQualityBenchmark {
    /** Progress lines at most this often, besides every evaluation. */
    private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;

    /** One way to train: a precision and a teacher signal. */
    public record Arm(String label, Precision precision, QualityArm signal) {}

    /**
     * @param budgetSteps (a)'s budget, rounded up to whole evaluation intervals
     * @param evaluations holdout evaluations within (a)'s budget; (b) and (c) are evaluated at the same steps
     * @param cap how many times (a)'s training time (b) and (c) may train before they count as never reaching the
     *     target
     */
    public record Options(
            LmConfig student,
            Codec codec,
            long budgetSteps,
            int batch,
            float alpha,
            float temperature,
            float peakLr,
            int warmupSteps,
            long seed,
            int evaluations,
            double cap) {
        public Options {
            if (budgetSteps < 1 || batch < 1 || evaluations < 1) {
                throw new IllegalArgumentException("the budget, batch and evaluations must be >= 1");
            }
            if (!(alpha > 0f && alpha <= 1f)) {
                throw new IllegalArgumentException("alpha must be in (0, 1] for the KD arm, got " + alpha);
            }
            if (!(cap >= 1)) {
                throw new IllegalArgumentException("the cap must be at least 1 (x the baseline's time), got " + cap);
            }
            SoftTargets.checkTemperature(temperature);
            long every = (budgetSteps + evaluations - 1) / evaluations;
            budgetSteps = every * evaluations;
        }

        /** Steps between holdout evaluations, the same for every arm. */
        public long evaluateEvery() {
            return budgetSteps / evaluations;
        }

        /** (a), (b) and (c), in the order they run. */
        public List<Arm> arms() {
            return List.of(
                    new Arm("(a) fp32, hard labels", Precision.FP32, QualityArm.HARD),
                    new Arm("(b) bf16, hard labels", Precision.BF16, QualityArm.HARD),
                    new Arm("(c) bf16, KD from " + codec, Precision.BF16, QualityArm.codec(codec)));
        }
    }

    /**
     * One holdout evaluation of an arm: after {@code step} steps and {@code tokens} tokens, the cumulative training
     * time and (the KD arm only) the cumulative teacher labelling time so far.
     */
    public record Evaluation(long step, long tokens, double bitsPerByte, Clocks train, Clocks labelling) {}

    /** Where an arm reached the target, every quantity interpolated to the same point of its curve. */
    public record Reached(
            double tokens,
            double trainWallSeconds,
            double trainCpuSeconds,
            double labellingWallSeconds,
            double labellingCpuSeconds) {}

    /**
     * @param capped whether it stopped at the cap rather than at the target or the end of its budget
     */
    public record ArmResult(Arm arm, List<Evaluation> curve, boolean capped) {
        /** Where the arm first reached the target; empty if it never did within what it trained. */
        public Optional<Reached> reached(double target) {
            OptionalDouble at = TargetCrossing.position(
                    curve.stream().map(Evaluation::bitsPerByte).toList(), target);
            if (at.isEmpty()) {
                return Optional.empty();
            }
            double p = at.getAsDouble();
            return Optional.of(new Reached(
                    valueAt(e -> e.tokens(), p),
                    valueAt(e -> e.train().wallSeconds(), p),
                    valueAt(e -> e.train().cpuSeconds(), p),
                    valueAt(e -> e.labelling().wallSeconds(), p),
                    valueAt(e -> e.labelling().cpuSeconds(), p)));
        }

        public Evaluation last() {
            return curve.get(curve.size() - 1);
        }

        private double valueAt(ToDoubleFunction<Evaluation> quantity, double position) {
            return TargetCrossing.valueAt(
                    curve.stream().map(quantity::applyAsDouble).toList(), position);
        }
    }

    /**
     * @param target what (a) reached at the end of its budget
     * @param labelledTokens tokens the teacher labelled for (c); {@code teacherForward} and {@code encoding} are
     *     their cost
     */
    public record Result(
            Options options,
            String teacher,
            double teacherBitsPerByte,
            int holdoutTokens,
            double target,
            List<ArmResult> arms,
            long labelledTokens,
            Clocks teacherForward,
            Clocks encoding,
            Duration wallTime) {

        public ArmResult baseline() {
            return arms.get(0);
        }
    }

    private TimeToQualityBenchmark() {}

    /** Trains (a), then (b) and (c) to (a)'s final holdout bits per byte; the teacher is only read. */
    public static Result run(TeacherModel teacher, TextCorpus corpus, Options o, Consumer<String> progress) {
        if (o.student().context() > teacher.context()) {
            throw new IllegalArgumentException("the student's context ("
                    + o.student().context() + ") is longer than the teacher's (" + teacher.context() + ")");
        }
        long start = System.nanoTime();
        int[] holdout = corpus.holdout();
        try (NDManager manager = NDManager.newBaseManager()) {
            double teacherBits = BitsPerByte.of(teacher.model(), manager, holdout, QualityBenchmark.EVAL_BATCH);
            List<Arm> arms = o.arms();
            ArmRun baseline = new ArmRun(arms.get(0), teacher, corpus, o, progress);
            ArmResult a = baseline.train(manager, Double.NEGATIVE_INFINITY, Long.MAX_VALUE);
            double target = a.last().bitsPerByte();
            if (!Double.isFinite(target)) {
                throw new IllegalArgumentException(arms.get(0).label() + " ended at " + target
                        + " bits/byte, so there is no target; try a lower --lr");
            }
            long capNanos = (long) (o.cap() * a.last().train().wallNanos());
            progress.accept(String.format(
                    Locale.ROOT,
                    "target: %.4f bits/byte, what %s reached in %s of training; cap %s",
                    target,
                    arms.get(0).label(),
                    Durations.clock(Duration.ofNanos(a.last().train().wallNanos())),
                    Durations.clock(Duration.ofNanos(capNanos))));
            List<ArmResult> results = new ArrayList<>(List.of(a));
            results.add(new ArmRun(arms.get(1), teacher, corpus, o, progress).train(manager, target, capNanos));
            ArmRun kd = new ArmRun(arms.get(2), teacher, corpus, o, progress);
            results.add(kd.train(manager, target, capNanos));
            return new Result(
                    o,
                    teacher.modelId() + " v" + teacher.modelVersion(),
                    teacherBits,
                    holdout.length,
                    target,
                    results,
                    kd.labelledTokens,
                    kd.teacherForward,
                    kd.encoding,
                    Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** One arm's training run: its student, batches, evaluations and, for the KD arm, the teacher's labelling. */
    private static final class ArmRun {
        private final Arm arm;
        private final TeacherModel teacher;
        private final TextCorpus corpus;
        private final Options o;
        private final Consumer<String> progress;
        private long labelledTokens;
        private Clocks teacherForward = Clocks.ZERO;
        private Clocks encoding = Clocks.ZERO;

        ArmRun(Arm arm, TeacherModel teacher, TextCorpus corpus, Options o, Consumer<String> progress) {
            this.arm = arm;
            this.teacher = teacher;
            this.corpus = corpus;
            this.o = o;
            this.progress = progress;
        }

        /**
         * Trains until an evaluation is at or below {@code target}, or the training time passes {@code capNanos};
         * the baseline (no target) trains for its budget.
         */
        ArmResult train(NDManager manager, double target, long capNanos) {
            boolean baseline = target == Double.NEGATIVE_INFINITY;
            var schedule = new LearningRateSchedule(o.peakLr(), o.warmupSteps(), LearningRateSchedule.Decay.CONSTANT);
            var stepOptions = new TrainStep.Options(
                    schedule, AdamW.Hyperparameters.defaults(), 1f, arm.signal().alphaOr(o.alpha()));
            int[] holdout = corpus.holdout();
            try (ArmStudent student = new ArmStudent(
                    arm.signal(),
                    o.student(),
                    arm.precision(),
                    o.seed(),
                    stepOptions,
                    teacher.identity(),
                    o.temperature())) {
                List<Evaluation> curve = new ArrayList<>();
                curve.add(evaluate(student, 0, holdout));
                SplittableRandom random = new SplittableRandom(o.seed());
                long lastPrint = System.nanoTime();
                for (long s = 1; ; s++) {
                    int[][] windows =
                            corpus.trainWindows(random, o.batch(), o.student().context());
                    TrainStep.Result r;
                    try (NDManager scope = manager.newSubManager()) {
                        NDArray logits = null;
                        if (arm.signal().needsTeacher()) {
                            Clocks t0 = Clocks.now();
                            logits = teacher.logits(scope, Arrays.asList(windows)); // (B, L, V)
                            teacherForward = teacherForward.plus(Clocks.since(t0));
                            labelledTokens += (long) o.batch() * o.student().context();
                        }
                        r = student.step(s, windows, logits);
                    }
                    encoding = student.encodeClocks();
                    if (System.nanoTime() - lastPrint > PROGRESS_EVERY_NANOS) {
                        lastPrint = System.nanoTime();
                        progress.accept(stepLine(student, s, r));
                    }
                    if (s % o.evaluateEvery() != 0) {
                        continue;
                    }
                    Evaluation e = evaluate(student, s, holdout);
                    curve.add(e);
                    progress.accept(String.format(
                            Locale.ROOT,
                            "%s: step %,d (%,d tokens, %s training) | holdout %.4f bits/byte",
                            arm.label(),
                            s,
                            e.tokens(),
                            Durations.clock(Duration.ofNanos(e.train().wallNanos())),
                            e.bitsPerByte()));
                    if (baseline ? s >= o.budgetSteps() : e.bitsPerByte() <= target) {
                        return new ArmResult(arm, curve, false);
                    }
                    if (e.train().wallNanos() >= capNanos) {
                        return new ArmResult(arm, curve, true);
                    }
                }
            }
        }

        private Evaluation evaluate(ArmStudent student, long step, int[] holdout) {
            double bits = student.holdoutBitsPerByte(holdout, QualityBenchmark.EVAL_BATCH);
            return new Evaluation(
                    step, student.tokens(), bits, student.trainClocks(), teacherForward.plus(student.encodeClocks()));
        }

        private String stepLine(ArmStudent student, long step, TrainStep.Result r) {
            Clocks train = student.trainClocks();
            return String.format(
                    Locale.ROOT,
                    "%s: step %,d | loss %.3f | %,.0f tokens/s training | %s training%s",
                    arm.label(),
                    step,
                    r.loss(),
                    student.tokens() / Math.max(1e-9, train.wallSeconds()),
                    Durations.clock(Duration.ofNanos(train.wallNanos())),
                    arm.signal().needsTeacher()
                            ? String.format(
                                    Locale.ROOT,
                                    ", %s labelling",
                                    Durations.clock(Duration.ofNanos(
                                            teacherForward.plus(encoding).wallNanos())))
                            : "");
        }
    }
}
