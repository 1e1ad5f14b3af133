package io.distill.lm.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.model.Gpt;
import io.distill.lm.tokenize.ByteTokenizer;
import java.util.SplittableRandom;

/** Side-by-side measures of two models: how often they agree, and how fast each one runs inference. */
public final class ModelComparison {

    private ModelComparison() {}

    /**
     * Share of positions of {@code tokens} where both models' most likely next token is the same, over consecutive
     * windows of the smaller context.
     */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    public static double top1Agreement(Gpt teacher, Gpt student, int[] tokens, NDManager manager) {
        int length = Math.min(teacher.config().context(), student.config().context());
        int windows = (tokens.length - 1) / length;
        if (windows < 1) {
            throw new IllegalArgumentException("need at least " + (length + 1) + " tokens, got " + tokens.length);
        }
        long agree = 0;
        long total = 0;
        ParameterStore ps = new ParameterStore(manager, false);
        for (int w = 0; w < windows; w++) {
            long[] ids = new long[length];
            for (int j = 0; j < length; j++) {
                ids[j] = tokens[w * length + j];
            }
            try (NDManager scope = manager.newSubManager();
                    Autograd.NoGrad noGrad = Autograd.noGrad()) {
                NDArray input = scope.create(ids, new Shape(1, length));
                NDArray a = teacher.logits(ps, input, false).argMax(-1); // (1, T)
                NDArray b = student.logits(ps, input, false).argMax(-1); // (1, T)
                agree += a.eq(b).sum().getLong();
                total += length;
            }
        }
        return (double) agree / total;
    }

    /** Tokens per second of batched forward passes (no gradient) on full-context windows of random bytes. */
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    public static double inferenceTokensPerSecond(Gpt model, int batchSize, int repetitions, NDManager manager) {
        int length = model.config().context();
        SplittableRandom random = new SplittableRandom(7);
        long[] ids = new long[batchSize * length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(ByteTokenizer.BYTE_TOKENS);
        }
        ParameterStore ps = new ParameterStore(manager, false);
        long elapsed = 0;
        for (int r = -2; r < repetitions; r++) { // the first two warm up libtorch's kernels and allocator
            try (NDManager scope = manager.newSubManager();
                    Autograd.NoGrad noGrad = Autograd.noGrad()) {
                NDArray input = scope.create(ids, new Shape(batchSize, length));
                long start = System.nanoTime();
                model.logits(ps, input, false).getFloat(0, 0, 0); // reading a value waits for the result
                if (r >= 0) {
                    elapsed += System.nanoTime() - start;
                }
            }
        }
        return (double) repetitions * batchSize * length / (elapsed / 1e9);
    }
}
