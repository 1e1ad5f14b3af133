package io.distill.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.distill.lm.eval.BitsPerByte;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.train.AdamW;
import io.distill.lm.train.LearningRateSchedule;
import io.distill.lm.train.SoftTargets;
import io.distill.lm.train.TextCorpus;
import io.distill.lm.train.TrainStep;
import io.distill.schemas.TeacherIdentity;
import io.distill.teacher.TeacherModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Quality at equal tokens: the same student trained once per {@link QualityArm} (hard labels only, dense-logit KD,
 * and KD through each wire codec), then measured on the same held-out text in bits per byte, beside the teacher.
 *
 * <p>The arms differ in their teacher signal and nothing else: same shape, same seed and so the same initial
 * weights, the same batches in the same order (random windows of the corpus's training part from one seeded
 * generator), the same number of steps and tokens, the trainer's optimizer, schedule, clipping and loss mix
 * ({@code alpha * T^2 * KD + (1 - alpha) * CE}; the hard arm is alpha 0). They advance in lock step: each batch
 * goes through the teacher once, and its logits feed every KD arm, so the teacher's forward pass is paid once.
 *
 * <p>The holdout is the corpus's held-out blocks ({@link TextCorpus}), which no arm trains on; a teacher pretrained
 * on the same corpus with the same split ({@code distill pretrain} holds out the same 5%) never saw it either.
 */
public final class QualityBenchmark {
    /** Windows per forward pass when measuring bits per byte: fewer, larger passes than training batches. */
    static final int EVAL_BATCH = 16;

    /**
     * @param steps training steps of every arm
     * @param batch windows per step, each the student's context long
     * @param evaluations how many times to measure every arm on the holdout during training, evenly spaced (the
     *     last at the end); the weights before the first step are measured too
     */
    public record Options(
            LmConfig student,
            Precision precision,
            List<QualityArm> arms,
            long steps,
            int batch,
            float alpha,
            float temperature,
            float peakLr,
            int warmupSteps,
            long seed,
            int evaluations) {
        public Options {
            arms = List.copyOf(arms);
            if (arms.isEmpty() || arms.stream().distinct().count() != arms.size()) {
                throw new IllegalArgumentException("give at least one arm, each once; got " + arms);
            }
            if (steps < 1 || batch < 1 || evaluations < 1) {
                throw new IllegalArgumentException("steps, batch and evaluations must be >= 1");
            }
            if (!(alpha >= 0f && alpha <= 1f)) {
                throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
            }
            SoftTargets.checkTemperature(temperature);
        }

        /** Tokens every arm trains on per step (every window is full: no padding). */
        public long tokensPerStep() {
            return (long) batch * student.context();
        }

        /** The steps it takes to train on at least {@code tokens} tokens. */
        public static long stepsFor(long tokens, int batch, LmConfig student) {
            long perStep = (long) batch * student.context();
            return Math.max(1, (tokens + perStep - 1) / perStep);
        }
    }

    /** Where training stands after a step; {@code results} are each arm's, in the order of the options. */
    public record Progress(
            long step,
            long steps,
            long tokensPerArm,
            List<TrainStep.Result> results,
            Duration elapsed,
            Duration remaining) {}

    /** Every arm's holdout bits per byte after {@code step} steps, in the order of the options. */
    public record Evaluation(long step, long tokens, List<Double> bitsPerByte) {}

    /** Receives progress on the training thread. */
    public interface Listener {
        void stepped(Progress progress);

        void evaluated(Evaluation evaluation);
    }

    /**
     * @param trainTime the arm's own work: decoding its records, building batches, training steps
     * @param encodeTime making its records from the teacher's logits (codec arms; zero otherwise)
     * @param wireBytesPerToken SoftLabels record bytes per trained token (codec arms; NaN otherwise)
     */
    public record ArmResult(
            QualityArm arm,
            long tokens,
            double bitsPerByte,
            Duration trainTime,
            Duration encodeTime,
            double wireBytesPerToken) {}

    /**
     * @param teacherForward time in the teacher's forward passes, shared by the KD arms
     */
    public record Result(
            Options options,
            String teacher,
            double teacherBitsPerByte,
            double unigramBitsPerByte,
            int holdoutTokens,
            List<ArmResult> arms,
            List<Evaluation> curve,
            Duration teacherForward,
            Duration wallTime) {

        /** The result of the arm, if it ran. */
        public Optional<ArmResult> arm(QualityArm arm) {
            return arms.stream().filter(a -> a.arm().equals(arm)).findFirst();
        }
    }

    private QualityBenchmark() {}

    /** Trains every arm for the options' steps and measures them; the teacher is only read. */
    public static Result run(TeacherModel teacher, TextCorpus corpus, Options o, Listener listener) {
        if (o.student().context() > teacher.context()) {
            throw new IllegalArgumentException("the student's context ("
                    + o.student().context() + ") is longer than the teacher's (" + teacher.context() + ")");
        }
        int[] holdout = corpus.holdout();
        double teacherBits;
        try (NDManager manager = NDManager.newBaseManager()) {
            teacherBits = BitsPerByte.of(teacher.model(), manager, holdout, EVAL_BATCH);
        }
        var feed = new LogitsFeed(teacher, corpus, o);
        Trained t = train(feed, teacher.identity(), holdout, o, listener);
        return new Result(
                o,
                teacher.modelId() + " v" + teacher.modelVersion(),
                teacherBits,
                corpus.unigramEntropyBits(),
                holdout.length,
                t.arms(),
                t.curve(),
                Duration.ofNanos(feed.teacherNanos),
                t.wallTime());
    }

    /** Trains every student one step on step {@code step}'s batch, whose arrays live in {@code scope}. */
    interface Feed {
        List<TrainStep.Result> step(long step, List<ArmStudent> students, NDManager scope);
    }

    /** The arms at the end and the curve of a {@link #train} run. */
    record Trained(List<ArmResult> arms, List<Evaluation> curve, Duration wallTime) {}

    /** Random corpus windows, each batch through the teacher once, its logits to every KD arm. */
    private static final class LogitsFeed implements Feed {
        private final TeacherModel teacher;
        private final TextCorpus corpus;
        private final Options o;
        private final boolean needsTeacher;
        private final SplittableRandom random;
        private long teacherNanos;

        LogitsFeed(TeacherModel teacher, TextCorpus corpus, Options o) {
            this.teacher = teacher;
            this.corpus = corpus;
            this.o = o;
            this.needsTeacher = o.arms().stream().anyMatch(QualityArm::needsTeacher);
            this.random = new SplittableRandom(o.seed());
        }

        @Override
        public List<TrainStep.Result> step(long step, List<ArmStudent> students, NDManager scope) {
            int[][] windows = corpus.trainWindows(random, o.batch(), o.student().context());
            NDArray logits = null;
            if (needsTeacher) {
                long t0 = System.nanoTime();
                logits = teacher.logits(scope, Arrays.asList(windows)); // (B, L, V)
                teacherNanos += System.nanoTime() - t0;
            }
            List<TrainStep.Result> results = new ArrayList<>(students.size());
            for (ArmStudent student : students) {
                results.add(student.step(step, windows, logits));
            }
            return results;
        }
    }

    /**
     * Creates every arm's student from the options' seed, measures all on {@code holdout} (byte ids) before the
     * first step and {@code evaluations} times during training, and trains them in lock step on {@code feed}.
     *
     * @param teacher the identity the teacher's records carry (codec arms that encode their own)
     */
    static Trained train(Feed feed, TeacherIdentity teacher, int[] holdout, Options o, Listener listener) {
        var schedule = new LearningRateSchedule(o.peakLr(), o.warmupSteps(), LearningRateSchedule.Decay.CONSTANT);
        List<ArmStudent> students = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (QualityArm arm : o.arms()) {
                var options =
                        new TrainStep.Options(schedule, AdamW.Hyperparameters.defaults(), 1f, arm.alphaOr(o.alpha()));
                students.add(
                        new ArmStudent(arm, o.student(), o.precision(), o.seed(), options, teacher, o.temperature()));
            }
            TreeSet<Long> evaluateAt = evaluationSteps(o.steps(), o.evaluations());
            List<Evaluation> curve = new ArrayList<>();
            curve.add(evaluate(students, 0, 0, holdout));
            listener.evaluated(curve.get(0));
            long start = System.nanoTime();
            for (long s = 1; s <= o.steps(); s++) {
                List<TrainStep.Result> results;
                try (NDManager scope = manager.newSubManager()) {
                    results = feed.step(s, students, scope);
                }
                long elapsed = System.nanoTime() - start;
                listener.stepped(new Progress(
                        s,
                        o.steps(),
                        students.get(0).tokens(),
                        results,
                        Duration.ofNanos(elapsed),
                        Duration.ofNanos(elapsed / s * (o.steps() - s))));
                if (evaluateAt.contains(s)) {
                    curve.add(evaluate(students, s, students.get(0).tokens(), holdout));
                    listener.evaluated(curve.get(curve.size() - 1));
                }
            }
            Duration wall = Duration.ofNanos(System.nanoTime() - start);
            Evaluation last = curve.get(curve.size() - 1);
            List<ArmResult> arms = new ArrayList<>();
            for (int i = 0; i < students.size(); i++) {
                ArmStudent student = students.get(i);
                arms.add(new ArmResult(
                        student.arm(),
                        student.tokens(),
                        last.bitsPerByte().get(i),
                        student.trainTime(),
                        student.encodeTime(),
                        student.arm().kind() == QualityArm.Kind.CODEC
                                ? (double) student.wireBytes() / student.tokens()
                                : Double.NaN));
            }
            return new Trained(arms, curve, wall);
        } finally {
            students.forEach(ArmStudent::close);
        }
    }

    /** Steps after which to evaluate: {@code evaluations} evenly spaced, the last one at {@code steps}. */
    static TreeSet<Long> evaluationSteps(long steps, int evaluations) {
        TreeSet<Long> at = new TreeSet<>();
        for (int k = 1; k <= evaluations; k++) {
            at.add(Math.max(1, Math.round((double) steps * k / evaluations)));
        }
        return at;
    }

    private static Evaluation evaluate(List<ArmStudent> students, long step, long tokens, int[] holdout) {
        List<Double> bits = new ArrayList<>(students.size());
        for (ArmStudent student : students) {
            bits.add(student.holdoutBitsPerByte(holdout, EVAL_BATCH));
        }
        return new Evaluation(step, tokens, bits);
    }
}
