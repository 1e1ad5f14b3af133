package io.distill.teacher;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;

/** The {@code tiny} model, freshly initialised from a fixed seed, as a teacher; plus reference computations. */
final class TinyTeacher {
    private TinyTeacher() {}

    static TeacherModel create(NDManager manager) {
        return create(manager, "tiny");
    }

    static TeacherModel create(NDManager manager, String size) {
        Engine.getInstance().setRandomSeed(42);
        return new TeacherModel(Gpt.create(LmConfig.named(size), manager), "tiny-test", "seed-42");
    }

    /** A tiny teacher whose position embedding at {@code position} is NaN: every logit from there on is NaN. */
    @SuppressWarnings("try")
    static TeacherModel poisonedFrom(NDManager manager, int position) {
        TeacherModel teacher = create(manager);
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            NDArray wpe = teacher.model().getParameters().get("wpe").getArray();
            wpe.set(new NDIndex("{}", position), Float.NaN);
        }
        return teacher;
    }

    /** The model's logits / T for one window alone, unbatched and unpadded: (positions, V). */
    @SuppressWarnings("try")
    static float[][] scaledLogits(TeacherModel teacher, int[] window, float temperature) {
        int positions = window.length - 1;
        long[] inputs = new long[positions];
        for (int j = 0; j < positions; j++) {
            inputs[j] = window[j];
        }
        int v = teacher.vocabSize();
        try (NDManager scope = NDManager.newBaseManager();
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            NDArray tokens = scope.create(inputs, new Shape(1, positions));
            float[] flat = teacher.model()
                    .logits(new ParameterStore(scope, false), tokens, false)
                    .div(temperature)
                    .toFloatArray();
            float[][] out = new float[positions][v];
            for (int j = 0; j < positions; j++) {
                System.arraycopy(flat, j * v, out[j], 0, v);
            }
            return out;
        }
    }

    static double logSumExp(float[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : z) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : z) {
            sum += Math.exp(x - max);
        }
        return max + Math.log(sum);
    }

    static int argmax(float[] z) {
        int best = 0;
        for (int i = 1; i < z.length; i++) {
            if (z[i] > z[best]) {
                best = i;
            }
        }
        return best;
    }
}
