package io.distill.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The 16-bit kernels: products within their precision of fp32, fp32 in and out, fp32 gradients. */
class CastKernelsTest {

    @ParameterizedTest
    @EnumSource(
            value = Precision.class,
            names = {"BF16", "FP16"})
    void linearMatchesFp32WithinTheTypesPrecision(Precision precision) {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            NDArray x = m.randomNormal(new Shape(4, 8, 64));
            NDArray w = m.randomNormal(new Shape(32, 64)).mul(0.1f);
            NDArray bias = m.randomNormal(new Shape(32));

            NDArray y = precision.kernels().linear(x, w, bias);
            NDArray ref = MatmulKernels.FP32.linear(x, w, bias);

            assertEquals(DataType.FLOAT32, y.getDataType());
            assertEquals(new Shape(4, 8, 32), y.getShape());
            float maxErr = y.sub(ref).abs().max().getFloat();
            // bf16 keeps 8 significant bits, fp16 11: relative error near 2^-8 or 2^-11 of the output's scale.
            float tolerance = precision == Precision.BF16 ? 0.05f : 0.01f;
            assertTrue(maxErr < tolerance * ref.abs().max().getFloat(), precision + " error " + maxErr);
            assertTrue(maxErr > 0f, "a " + precision + " product should differ from fp32 somewhere");
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Precision.class,
            names = {"BF16", "FP16"})
    void gradientsReachFp32Weights(Precision precision) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(8, 16));
            NDArray w = m.randomNormal(new Shape(4, 16));
            w.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(precision.kernels().linear(x, w, null).sum());
            }
            NDArray grad = w.getGradient();
            NDArray expected = m.ones(new Shape(4, 8)).matMul(x); // d sum(x w^T) / dw = 1^T x
            assertEquals(DataType.FLOAT32, grad.getDataType());
            float err = grad.sub(expected).abs().max().getFloat();
            assertTrue(err < 0.02f * expected.abs().max().getFloat(), precision + " grad error " + err);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Precision.class,
            names = {"BF16", "FP16"})
    void batchedMatmulBroadcasts(Precision precision) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.randomNormal(new Shape(2, 3, 5, 8));
            NDArray b = m.randomNormal(new Shape(2, 3, 8, 5));

            NDArray y = precision.kernels().matmul(a, b);

            assertEquals(new Shape(2, 3, 5, 5), y.getShape());
            assertTrue(y.sub(a.matMul(b)).abs().max().getFloat() < 0.2f);
        }
    }
}
