package io.distill.lm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.distill.lm.Autograd;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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

    @Test
    void scalesAllGradientsTogetherKeepingTheirDirection() {
        NDArray a = param(1);
        NDArray b = param(1);
        setGradients(a, b, 3f, -4f); // global norm 5
        assertEquals(5f, GradientClipping.clipGlobalNorm(List.of(a, b), 1f), 1e-6f);
        assertArrayEquals(new float[] {0.6f}, a.getGradient().toFloatArray(), 1e-5f);
        assertArrayEquals(new float[] {-0.8f}, b.getGradient().toFloatArray(), 1e-5f);
    }

    @Test
    void leavesSmallGradientsAlone() {
        NDArray a = param(1);
        NDArray b = param(1);
        setGradients(a, b, 0.3f, -0.4f);
        assertEquals(0.5f, GradientClipping.clipGlobalNorm(List.of(a, b), 1f), 1e-6f);
        assertArrayEquals(new float[] {0.3f}, a.getGradient().toFloatArray(), 1e-7f);
        assertEquals(0.5f, GradientClipping.clipGlobalNorm(List.of(a, b), Float.POSITIVE_INFINITY), 1e-6f);
    }

    @Test
    void reportsANonFiniteNormWithoutTouchingGradients() {
        NDArray a = param(1);
        NDArray b = param(1);
        setGradients(a, b, Float.NaN, 1f);
        assertTrue(Float.isNaN(GradientClipping.clipGlobalNorm(List.of(a, b), 1f)));
        assertArrayEquals(new float[] {1f}, b.getGradient().toFloatArray(), 0f);
        Autograd.zeroGradients(List.of(a, b));
        assertArrayEquals(new float[] {0f}, a.getGradient().toFloatArray(), 0f); // zeroing clears NaN too
    }

    private NDArray param(int n) {
        NDArray p = m.zeros(new Shape(n));
        p.setRequiresGradient(true);
        return p;
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
