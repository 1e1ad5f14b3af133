package io.distill.lm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.distill.lm.Autograd;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdamWTest {

    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void twoStepsMatchTheHandComputedUpdate() {
        // A 2x1 matrix (decayed) and a bias vector (not decayed), loss = sum(w * c) so the gradient is c.
        NDArray w = param(new float[] {1f, -2f}, new Shape(2, 1));
        NDArray b = param(new float[] {0.5f}, new Shape(1));
        PairList<String, Parameter> params = new PairList<>();
        params.add(
                "w",
                Parameter.builder()
                        .setName("w")
                        .setType(Parameter.Type.WEIGHT)
                        .optArray(w)
                        .build());
        params.add(
                "b",
                Parameter.builder()
                        .setName("b")
                        .setType(Parameter.Type.BIAS)
                        .optArray(b)
                        .build());
        AdamW.Hyperparameters hp = new AdamW.Hyperparameters(0.9f, 0.95f, 1e-8f, 0.1f);
        float lr = 0.01f;
        try (AdamW adamW = new AdamW(params, hp, m)) {
            assertEquals(List.of(new Pair<>("w", true), new Pair<>("b", false)), adamW.decaySettings());

            backward(w, b, new float[] {4f, -3f}, 2f);
            adamW.step(lr);
            // t = 1: m_hat = g, v_hat = g^2, so the Adam step is lr * sign(g); decay first: w * (1 - lr * wd).
            float d = 1 - lr * 0.1f;
            float[] w1 = {1f * d - lr, -2f * d + lr};
            float b1 = 0.5f - lr;
            assertArrayEquals(w1, w.toFloatArray(), 1e-6f);
            assertEquals(b1, b.getFloat(), 1e-6f);

            Autograd.zeroGradients(List.of(w, b));
            backward(w, b, new float[] {1f, 1f}, -1f);
            adamW.step(lr);
            // t = 2, for w[0]: m = 0.9 * 0.4 + 0.1 * 1 = 0.46, v = 0.95 * 0.8 + 0.05 * 1 = 0.81 (v_1 = 0.05 * 16)
            double mHat = 0.46 / (1 - 0.81);
            double vHat = (0.95 * 0.05 * 16 + 0.05) / (1 - 0.9025);
            double expected = w1[0] * d - lr * mHat / (Math.sqrt(vHat) + 1e-8);
            assertEquals(expected, w.toFloatArray()[0], 1e-6);
            assertEquals(2, adamW.updates());
        }
    }

    @Test
    void stateLivesInItsOwnManagerAndTheUpdateLeaksNothing() {
        NDArray w = param(new float[] {1f, 2f, 3f, 4f}, new Shape(2, 2));
        PairList<String, Parameter> params = new PairList<>();
        params.add(
                "w",
                Parameter.builder()
                        .setName("w")
                        .setType(Parameter.Type.WEIGHT)
                        .optArray(w)
                        .build());
        try (AdamW adamW = new AdamW(params, AdamW.Hyperparameters.defaults(), m)) {
            backward(w, null, new float[] {1f, 1f, 1f, 1f}, 0f);
            adamW.step(1e-3f);
            int arrays = m.getManagedArrays().size();
            for (int i = 0; i < 5; i++) {
                adamW.step(1e-3f);
            }
            assertEquals(arrays, m.getManagedArrays().size());
        }
    }

    @Test
    void restoreCopiesTheStateIntoTheLiveMomentsAndChecksItFirst() {
        NDArray w = param(new float[] {1f, 2f, 3f, 4f}, new Shape(2, 2));
        PairList<String, Parameter> params = new PairList<>();
        params.add(
                "w",
                Parameter.builder()
                        .setName("w")
                        .setType(Parameter.Type.WEIGHT)
                        .optArray(w)
                        .build());
        try (AdamW adamW = new AdamW(params, AdamW.Hyperparameters.defaults(), m)) {
            NDArray liveM = adamW.moments().get(0).m();
            NDArray m1 = m.create(new float[] {0.5f, -0.5f, 0f, Float.MIN_VALUE}, new Shape(2, 2));
            NDArray v1 = m.create(new float[] {1f, 2f, 3f, 4f}, new Shape(2, 2));

            assertThrows(
                    IllegalArgumentException.class,
                    () -> adamW.restore(Map.of("w", m1), Map.of("w", m.zeros(new Shape(4))), 9));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> adamW.restore(Map.of("w", m1, "extra", m1), Map.of("w", v1), 9));
            assertEquals(0, adamW.updates());
            assertArrayEquals(new float[4], liveM.toFloatArray(), "a refused restore changes nothing");

            adamW.restore(Map.of("w", m1), Map.of("w", v1), 9);
            AdamW.Moments state = adamW.moments().get(0);
            assertSame(liveM, state.m(), "the live array is written, not replaced");
            assertArrayEquals(m1.toFloatArray(), state.m().toFloatArray(), 0f);
            assertArrayEquals(v1.toFloatArray(), state.v().toFloatArray(), 0f);
            assertEquals(9, adamW.updates());
        }
    }

    private NDArray param(float[] values, Shape shape) {
        NDArray a = m.create(values, shape);
        a.setRequiresGradient(true);
        return a;
    }

    private void backward(NDArray w, NDArray b, float[] wGrad, float bGrad) {
        try (NDManager scope = m.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = scope.create(wGrad, w.getShape()).mul(w).sum();
            if (b != null) {
                loss = loss.add(
                        scope.create(new float[] {bGrad}, b.getShape()).mul(b).sum());
            }
            gc.backward(loss);
        }
    }
}
