package io.distill.lm.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.eval.BitsPerByte;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Trains a model from scratch on a {@link TextCorpus} for a fixed time budget: random windows of the training part,
 * hard-label cross-entropy, and a holdout evaluation (bits per byte, whatever the corpus's tokenizer) every so often. Used to make a teacher (and the hard-label
 * baseline student) without any outside model.
 */
public final class Pretraining {

    /**
     * @param batchSize windows per step, each as long as the model's context
     * @param budget wall time for the training loop (the final evaluation comes on top)
     * @param evalEvery how often to measure holdout bits per byte during training
     * @param evalTokens holdout tokens per evaluation (0 for the whole holdout)
     * @param pruning gradual magnitude pruning to apply while training, if any
     * @param maxSteps stop after this many steps even if time is left (0 for no limit)
     */
    public record Options(
            LmConfig config,
            Precision precision,
            int batchSize,
            float peakLr,
            int warmupSteps,
            Duration budget,
            long seed,
            Duration evalEvery,
            int evalTokens,
            Optional<SparsitySchedule> pruning,
            long maxSteps) {
        public Options {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            if (budget.isNegative() || budget.isZero()) {
                throw new IllegalArgumentException("the time budget must be positive, got " + budget);
            }
        }
    }

    /** Where training stands after a step. */
    public record Progress(
            long step,
            long tokens,
            float loss,
            float learningRate,
            double tokensPerSecond,
            Duration elapsed,
            Duration remaining) {}

    /** Receives progress; called on the training thread. */
    public interface Listener {
        void stepped(Progress progress);

        void evaluated(long step, double holdoutBitsPerByte);
    }

    private Pretraining() {}

    /** Time left: the budget's, or less when the step limit comes first at the pace so far. */
    private static Duration remaining(Options options, long steps, long elapsedNanos) {
        long left = Math.max(0, options.budget().toNanos() - elapsedNanos);
        if (options.maxSteps() > 0) {
            left = Math.min(left, (long) ((double) elapsedNanos / steps * (options.maxSteps() - steps)));
        }
        return Duration.ofNanos(left);
    }

    /** Builds a fresh model in {@code manager} and trains it until the budget is spent. */
    public static Gpt run(TextCorpus corpus, Options options, NDManager manager, Listener listener) {
        if (options.config().vocab() < corpus.tokenizer().vocabSize()) {
            throw new IllegalArgumentException(
                    "the model's vocabulary (" + options.config().vocab() + ") is smaller than its tokenizer's ("
                            + corpus.tokenizer().vocabSize() + ")");
        }
        Engine.getInstance().setRandomSeed((int) options.seed());
        Gpt model = Gpt.create(options.config(), options.precision(), manager);
        var schedule = new LearningRateSchedule(
                options.peakLr(), options.warmupSteps(), LearningRateSchedule.Decay.INVERSE_SQRT);
        var trainOptions = new TrainStep.Options(schedule, AdamW.Hyperparameters.defaults(), 1f, 0f);
        SplittableRandom random = new SplittableRandom(options.seed());
        int length = options.config().context();
        long budgetNanos = options.budget().toNanos();
        long start = System.nanoTime();
        long lastEval = start;
        long tokens = 0;
        try (TrainStep trainer = new TrainStep(model, manager, trainOptions);
                MagnitudePruner pruner = options.pruning()
                        .map(sparsity -> new MagnitudePruner(model, sparsity, manager))
                        .orElse(null)) {
            while (System.nanoTime() - start < budgetNanos
                    && (options.maxSteps() == 0 || trainer.steps() < options.maxSteps())) {
                TrainStep.Result r;
                try (Batch batch =
                        Batch.fromWindows(manager, corpus.trainWindows(random, options.batchSize(), length))) {
                    r = trainer.step(batch);
                }
                if (pruner != null) {
                    pruner.afterStep(r.step());
                }
                tokens += r.tokens();
                long now = System.nanoTime();
                double seconds = (now - start) / 1e9;
                listener.stepped(new Progress(
                        r.step(),
                        tokens,
                        r.loss(),
                        r.learningRate(),
                        tokens / seconds,
                        Duration.ofNanos(now - start),
                        remaining(options, r.step(), now - start)));
                if (now - lastEval >= options.evalEvery().toNanos()) {
                    lastEval = now;
                    listener.evaluated(r.step(), holdoutBitsPerByte(model, corpus, options, manager));
                }
            }
            // The last measurement uses the whole holdout, not the sample the periodic ones use.
            listener.evaluated(
                    trainer.steps(),
                    BitsPerByte.of(model, corpus.tokenizer(), manager, corpus.holdout(), options.batchSize()));
        }
        return model;
    }

    private static double holdoutBitsPerByte(Gpt model, TextCorpus corpus, Options options, NDManager manager) {
        int[] holdout = corpus.holdout();
        if (options.evalTokens() > 0 && holdout.length > options.evalTokens()) {
            holdout = Arrays.copyOf(holdout, options.evalTokens());
        }
        return BitsPerByte.of(model, corpus.tokenizer(), manager, holdout, options.batchSize());
    }
}
