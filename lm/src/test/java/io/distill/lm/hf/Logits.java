package io.distill.lm.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.model.Gpt;
import java.util.Arrays;

/** distill's side of the comparisons: logits at every position, greedy continuation, differences. */
final class Logits {

    private Logits() {}

    /** (T, V) logits of {@code model} for one sequence. */
    @SuppressWarnings("try")
    static float[][] of(Gpt model, NDManager manager, int[] ids) {
        try (NDManager scope = manager.newSubManager();
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            long[] idx = Arrays.stream(ids).asLongStream().toArray();
            NDArray logits =
                    model.logits(new ParameterStore(scope, false), scope.create(idx, new Shape(1, ids.length)), false);
            int v = model.config().vocab();
            float[] flat = logits.toFloatArray();
            float[][] out = new float[ids.length][];
            for (int t = 0; t < ids.length; t++) {
                out[t] = Arrays.copyOfRange(flat, t * v, (t + 1) * v);
            }
            return out;
        }
    }

    /** Greedy continuation: argmax of the last position, the whole forward re-run per token (as the reference). */
    static int[] greedy(Gpt model, NDManager manager, int[] prompt, int tokens) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + tokens);
        for (int n = prompt.length; n < seq.length; n++) {
            float[] last = of(model, manager, Arrays.copyOf(seq, n))[n - 1];
            int best = 0;
            for (int i = 1; i < last.length; i++) {
                if (last[i] > last[best]) {
                    best = i;
                }
            }
            seq[n] = best;
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    static double maxAbsDiff(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new AssertionError("positions " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int t = 0; t < a.length; t++) {
            if (a[t].length != b[t].length) {
                throw new AssertionError("vocab " + a[t].length + " vs " + b[t].length);
            }
            for (int i = 0; i < a[t].length; i++) {
                max = Math.max(max, Math.abs((double) a[t][i] - b[t][i]));
            }
        }
        return max;
    }

    static double maxAbs(float[][] a) {
        double max = 0;
        for (float[] row : a) {
            for (float v : row) {
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }
}
