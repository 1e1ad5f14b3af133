package io.distill.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.distill.lm.eval.Sampler;
import io.distill.lm.model.LmConfig;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.train.AdamW;
import io.distill.lm.train.Divergence;
import io.distill.lm.train.LearningRateSchedule;
import io.distill.lm.train.TextCorpus;
import io.distill.lm.train.TrainStep;
import io.distill.teacher.TeacherModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;

/**
 * On-policy against off-policy distillation at equal trained tokens ({@code bench quality --on-policy}): the same
 * student, from the same weights and the same corpus batches, trained three ways, all from the teacher's dense
 * logits:
 *
 * <ul>
 *   <li>{@code forward-kl}: off-policy KD, KL(teacher ‖ student) on corpus windows;
 *   <li>{@code gkd}: on-policy GKD, λ = 0.5 and {@code jsd:0.5}: half of every batch are corpus windows, the other
 *       half continuations the student samples (temperature 1) from its current weights after the first {@link
 *       #PROMPT_TOKENS} tokens of the other corpus windows, labelled by the teacher; the trainer's {@code --on-policy}
 *       in one process;
 *   <li>{@code reverse-kl}: KL(student ‖ teacher) (MiniLLM's divergence) on corpus windows, off-policy.
 * </ul>
 *
 * <p>Every arm trains on the same number of windows of the same length, so on the same number of token positions.
 * Each is measured on the holdout in bits per byte, and on generation quality: from fixed prompts (the first {@link
 * #PROMPT_TOKENS} tokens of evenly spaced holdout windows) it samples a continuation at temperature 1 with a fixed
 * seed, and the teacher's cross-entropy on the continuation's tokens, in bits per byte of it, is the score (GKD's and
 * MiniLLM's measure; lower is text the teacher finds likelier). The holdout's own continuations of the same prompts
 * are scored the same way as a reference.
 */
public final class OnPolicyBenchmark {
    static final int PROMPT_TOKENS = 16;
    static final int EVAL_BATCH = 16;

    /** The three arms, in the order of the table. */
    public enum Arm {
        FORWARD_KL("forward-kl, off-policy", Divergence.FORWARD_KL, false),
        GKD("GKD: on-policy λ 0.5, jsd:0.5", Divergence.parse("jsd:0.5"), true),
        REVERSE_KL("reverse-kl, off-policy", Divergence.parse("reverse-kl"), false);

        final String label;
        final Divergence divergence;
        final boolean onPolicy;

        Arm(String label, Divergence divergence, boolean onPolicy) {
            this.label = label;
            this.divergence = divergence;
            this.onPolicy = onPolicy;
        }

        public String label() {
            return label;
        }
    }

    /**
     * @param prompts how many fixed prompts score generation
     */
    public record Options(QualityBenchmark.Options training, int prompts) {
        public Options {
            if (training.batch() < 2 || training.batch() % 2 != 0) {
                throw new IllegalArgumentException(
                        "--batch must be even for λ 0.5 (half corpus, half samples), got " + training.batch());
            }
            if (prompts < 1) {
                throw new IllegalArgumentException("prompts must be >= 1, got " + prompts);
            }
        }
    }

    /**
     * @param generationBitsPerByte the teacher's bits per byte of the arm's continuations of the fixed prompts
     * @param sample the continuation of the first prompt, as text
     */
    public record ArmResult(
            Arm arm, long tokens, double holdoutBitsPerByte, double generationBitsPerByte, String sample) {}

    /**
     * @param referenceBitsPerByte the teacher's bits per byte of the holdout's own continuations of the prompts
     * @param prompt the first prompt, as text
     */
    public record Result(
            Options options,
            String teacher,
            double teacherHoldoutBitsPerByte,
            double referenceBitsPerByte,
            String prompt,
            List<ArmResult> arms,
            Duration sampling,
            Duration wallTime) {}

    private OnPolicyBenchmark() {}

    /**
     * @param progress told a one-line progress report about every tenth of the steps
     */
    public static Result run(
            TeacherModel teacher, TextCorpus corpus, Options options, java.util.function.Consumer<String> progress) {
        QualityBenchmark.Options o = options.training();
        LmConfig config = o.student();
        int l = config.context();
        if (l > teacher.context() || l <= PROMPT_TOKENS) {
            throw new IllegalArgumentException("the student's context (" + l + ") must exceed " + PROMPT_TOKENS
                    + " and fit the teacher's (" + teacher.context() + ")");
        }
        var trainOptions = new TrainStep.Options(
                new LearningRateSchedule(o.peakLr(), o.warmupSteps(), LearningRateSchedule.Decay.CONSTANT),
                AdamW.Hyperparameters.defaults(),
                1f,
                o.alpha());
        int[] holdout = corpus.holdout();
        int[][] prompts = prompts(holdout, options.prompts(), l);
        List<ArmStudent> students = new ArrayList<>();
        long start = System.nanoTime();
        long samplingNanos = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            double teacherBits = io.distill.lm.eval.BitsPerByte.of(teacher.model(), manager, holdout, EVAL_BATCH);
            double reference = teacherBitsOfContinuations(teacher, manager, prompts);
            for (Arm arm : Arm.values()) {
                students.add(new ArmStudent(
                        QualityArm.DENSE,
                        config,
                        o.precision(),
                        o.seed(),
                        trainOptions.withDivergence(arm.divergence),
                        teacher.identity(),
                        o.temperature()));
            }
            SplittableRandom batches = new SplittableRandom(o.seed());
            SplittableRandom sampling = new SplittableRandom(o.seed() + 1);
            int half = o.batch() / 2;
            for (long s = 1; s <= o.steps(); s++) {
                int[][] windows = corpus.trainWindows(batches, o.batch(), l);
                try (NDManager scope = manager.newSubManager()) {
                    NDArray logits = teacher.logits(scope, Arrays.asList(windows)); // (B, L, V)
                    for (int a = 0; a < students.size(); a++) {
                        ArmStudent student = students.get(a);
                        if (!Arm.values()[a].onPolicy) {
                            student.step(s, windows, logits);
                            continue;
                        }
                        long t0 = System.nanoTime();
                        int[][] mixed = Arrays.copyOf(windows, o.batch());
                        int[][] own = continue_(student, Arrays.copyOfRange(windows, half, o.batch()), l, sampling);
                        System.arraycopy(own, 0, mixed, half, own.length);
                        samplingNanos += System.nanoTime() - t0;
                        student.step(s, mixed, teacher.logits(scope, Arrays.asList(mixed)));
                    }
                }
                if (s % Math.max(1, o.steps() / 10) == 0 || s == o.steps()) {
                    progress.accept(String.format(
                            java.util.Locale.ROOT,
                            "step %,d/%,d, %,d tokens per arm, %ds (sampling %ds)",
                            s,
                            o.steps(),
                            students.get(0).tokens(),
                            (System.nanoTime() - start) / 1_000_000_000L,
                            samplingNanos / 1_000_000_000L));
                }
            }
            List<ArmResult> results = new ArrayList<>();
            for (int a = 0; a < students.size(); a++) {
                ArmStudent student = students.get(a);
                int[][] generated = continue_(student, prompts, l, new SplittableRandom(o.seed() + 2));
                results.add(new ArmResult(
                        Arm.values()[a],
                        student.tokens(),
                        student.holdoutBitsPerByte(holdout, EVAL_BATCH),
                        teacherBitsOfContinuations(teacher, manager, generated),
                        text(Arrays.copyOfRange(generated[0], PROMPT_TOKENS, generated[0].length))));
            }
            return new Result(
                    options,
                    teacher.modelId() + " v" + teacher.modelVersion(),
                    teacherBits,
                    reference,
                    text(Arrays.copyOf(prompts[0], PROMPT_TOKENS)),
                    results,
                    Duration.ofNanos(samplingNanos),
                    Duration.ofNanos(System.nanoTime() - start));
        } finally {
            students.forEach(ArmStudent::close);
        }
    }

    /**
     * The windows' first {@link #PROMPT_TOKENS} tokens, continued by the student at temperature 1 to the windows'
     * length (L + 1), without stopping at end-of-text so that every window is full.
     */
    private static int[][] continue_(ArmStudent student, int[][] windows, int l, SplittableRandom random) {
        int[][] prompts = new int[windows.length][];
        for (int i = 0; i < windows.length; i++) {
            prompts[i] = Arrays.copyOf(windows[i], PROMPT_TOKENS);
        }
        int[][] continuations = new Sampler(student.model(), student.manager(), OptionalInt.empty())
                .generate(prompts, l + 1 - PROMPT_TOKENS, 1f, 0, random);
        int[][] out = new int[windows.length][];
        for (int i = 0; i < windows.length; i++) {
            out[i] = Arrays.copyOf(prompts[i], l + 1);
            System.arraycopy(continuations[i], 0, out[i], PROMPT_TOKENS, continuations[i].length);
        }
        return out;
    }

    /** {@code count} holdout windows of L + 1 tokens, evenly spaced: their starts are the fixed prompts. */
    static int[][] prompts(int[] holdout, int count, int l) {
        int stride = Math.max(1, (holdout.length - (l + 1)) / count);
        if (holdout.length < l + 1) {
            throw new IllegalArgumentException("the holdout is shorter than one window");
        }
        int[][] out = new int[count][];
        for (int i = 0; i < count; i++) {
            int from = Math.min(i * stride, holdout.length - (l + 1));
            out[i] = Arrays.copyOfRange(holdout, from, from + l + 1);
        }
        return out;
    }

    /**
     * The teacher's cross-entropy on the tokens after the first {@link #PROMPT_TOKENS} of each window, in bits per
     * byte of those tokens: -Σ log2 p_teacher(token | everything before it) / bytes.
     */
    @SuppressWarnings("try")
    static double teacherBitsOfContinuations(TeacherModel teacher, NDManager manager, int[][] windows) {
        double nats = 0;
        long bytes = 0;
        ByteTokenizer tokenizer = ByteTokenizer.get();
        try (NDManager scope = manager.newSubManager()) {
            NDArray logProbs = teacher.logits(scope, Arrays.asList(windows)).logSoftmax(-1); // (B, L, V)
            float[] flat = logProbs.toFloatArray();
            int t = (int) logProbs.getShape().get(1);
            int v = (int) logProbs.getShape().get(2);
            for (int i = 0; i < windows.length; i++) {
                for (int j = PROMPT_TOKENS; j < windows[i].length; j++) {
                    nats -= flat[(i * t + j - 1) * v + windows[i][j]];
                    bytes += tokenizer.tokenBytes(windows[i][j]).length;
                }
            }
        }
        return nats / Math.log(2) / Math.max(1, bytes);
    }

    private static String text(int[] tokens) {
        return ByteTokenizer.get().decodeText(tokens);
    }
}
