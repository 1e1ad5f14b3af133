package io.distill.lm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.PairList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Global-norm clipping, as AdamW applies it before its update. */
class GradientClippingTest {

    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    // Clipping happens inside AdamW's update; the first moment after one update is (1 - beta1) * g, so it shows
    // the clipped gradient.

    @Test
    void scalesAllGradientsTogetherKeepingTheirDirection() {
        NDArray a = param(1);
        NDArray b = param(1);
        try (AdamW adamW = adamW(a, b)) {
            setGradients(a, b, 3f, -4f); // global norm 5
            assertEquals(5f, adamW.clipAndStep(1e-3f, 1f), 1e-6f);
            assertArrayEquals(new float[] {0.1f * 0.6f, 0.1f * -0.8f}, firstMoments(adamW), 1e-6f);
            assertArrayEquals(new float[] {0f}, a.getGradient().toFloatArray(), 0f); // and zeroed after the update
        }
    }

    @Test
    void leavesSmallGradientsAlone() {
        NDArray a = param(1);
        NDArray b = param(1);
        try (AdamW adamW = adamW(a, b)) {
            setGradients(a, b, 0.3f, -0.4f);
            assertEquals(0.5f, adamW.clipAndStep(1e-3f, 1f), 1e-6f);
            assertArrayEquals(new float[] {0.03f, -0.04f}, firstMoments(adamW), 1e-7f);
            setGradients(a, b, 30f, -40f);
            assertEquals(50f, adamW.clipAndStep(1e-3f, Float.POSITIVE_INFINITY), 1e-5f);
        }
    }

    @Test
    void aNonFiniteNormSkipsTheUpdateAndClearsTheGradients() {
        NDArray a = param(1);
        NDArray b = param(1);
        try (AdamW adamW = adamW(a, b)) {
            setGradients(a, b, Float.NaN, 1f);
            assertTrue(Float.isNaN(adamW.clipAndStep(1e-3f, 1f)));
            assertEquals(0, adamW.updates());
            assertArrayEquals(new float[] {0f, 0f}, firstMoments(adamW), 0f);
            assertArrayEquals(new float[] {0f}, b.toFloatArray(), 0f);
            assertArrayEquals(new float[] {0f}, a.getGradient().toFloatArray(), 0f); // zeroing clears NaN too
        }
    }

    private NDArray param(int n) {
        NDArray p = m.zeros(new Shape(n));
        p.setRequiresGradient(true);
        return p;
    }

    /** An AdamW without weight decay over the given vectors. */
    private AdamW adamW(NDArray... vectors) {
        PairList<String, Parameter> params = new PairList<>();
        for (int i = 0; i < vectors.length; i++) {
            Parameter.Builder vector = Parameter.builder().setType(Parameter.Type.BIAS);
            params.add("p" + i, vector.setName("p" + i).optArray(vectors[i]).build());
        }
        return new AdamW(params, new AdamW.Hyperparameters(0.9f, 0.95f, 1e-8f, 0f), m);
    }

    private static float[] firstMoments(AdamW adamW) {
        return new float[] {
            adamW.moments().get(0).m().getFloat(), adamW.moments().get(1).m().getFloat()
        };
    }

    private void setGradients(NDArray a, NDArray b, float ga, float gb) {
        try (NDManager scope = m.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss =
                    a.mul(scope.create(ga)).sum().add(b.mul(scope.create(gb)).sum());
            gc.backward(loss);
        }
    }
}
