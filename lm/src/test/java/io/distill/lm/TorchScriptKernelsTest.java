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

/** The kernels: products within their precision of fp32, fp32 in and out, fp32 gradients, causal attention. */
class TorchScriptKernelsTest {

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
            NDArray ref = x.matMul(w.transpose()).add(bias);

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
    @EnumSource(Precision.class)
    void causalAttentionMatchesTheExplicitFormula(Precision precision) {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(2);
            NDArray q = m.randomNormal(new Shape(2, 3, 7, 8)); // (B, nh, T, hs)
            NDArray k = m.randomNormal(new Shape(2, 3, 7, 8));
            NDArray v = m.randomNormal(new Shape(2, 3, 7, 8));
            float[] mask = new float[7 * 7];
            for (int i = 0; i < 7; i++) {
                for (int j = i + 1; j < 7; j++) {
                    mask[i * 7 + j] = Float.NEGATIVE_INFINITY;
                }
            }
            NDArray expected = q.matMul(k.transpose(0, 1, 3, 2))
                    .div((float) Math.sqrt(8))
                    .add(m.create(mask, new Shape(7, 7)))
                    .softmax(-1)
                    .matMul(v);

            NDArray y = precision.kernels().causalAttention(q, k, v);

            assertEquals(new Shape(2, 3, 7, 8), y.getShape());
            assertEquals(DataType.FLOAT32, y.getDataType());
            float tolerance = precision == Precision.FP32 ? 1e-5f : 2e-2f;
            assertTrue(y.sub(expected).abs().max().getFloat() < tolerance, precision.flag());
            // the first position sees only itself
            assertTrue(y.get(":, :, 0, :").sub(v.get(":, :, 0, :")).abs().max().getFloat() < tolerance);
        }
    }
}
