package io.distill.lm.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import java.util.function.Function;

/** Small arithmetic the loss tests share: hand-set logits, seeded random logits, and gradients of a loss. */
final class LossTestMath {
    private LossTestMath() {}

    /** Logits whose softmax is proportional to {@code values}. */
    static float[] logOf(float... values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) Math.log(values[i]);
        }
        return out;
    }

    static float[] scale(float[] values, float factor) {
        float[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= factor;
        }
        return out;
    }

    /** (b, t, v) logits uniform in [-3, 3), the same for the same seed. */
    static NDArray randomLogits(NDManager m, int b, int t, int v, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] values = new float[b * t * v];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (2 * r.nextDouble() - 1) * 3f;
        }
        return m.create(values, new Shape(b, t, v));
    }

    /** d loss / d x for a leaf x. */
    static float[] gradient(NDArray x, Function<NDArray, NDArray> loss) {
        x.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(loss.apply(x));
        }
        return x.getGradient().toFloatArray();
    }
}
