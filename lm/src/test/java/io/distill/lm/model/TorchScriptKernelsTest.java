package io.distill.lm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The kernels: products within their precision of fp32, fp32 in and out, fp32 gradients, the attention and MLP sublayers. */
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

            NDArray y = ComputeKernels.forPrecision(precision).linear(x, w, bias);
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
                gc.backward(ComputeKernels.forPrecision(precision)
                        .linear(x, w, null)
                        .sum());
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
    void selfAttentionMatchesTheExplicitFormula(Precision precision) {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(2);
            int b = 2, t = 7, heads = 3, hs = 8, c = heads * hs;
            LmConfig.Attention mha = new LmConfig.Attention(heads, heads, hs, true, true);
            NDArray x = m.randomNormal(new Shape(b, t, c));
            NDArray wQkv = m.randomNormal(new Shape(3 * c, c)).mul(0.2f);
            NDArray bQkv = m.randomNormal(new Shape(3 * c)).mul(0.1f);
            NDArray wProj = m.randomNormal(new Shape(c, c)).mul(0.2f);
            NDArray bProj = m.randomNormal(new Shape(c)).mul(0.1f);
            NDArray qkv = x.matMul(wQkv.transpose())
                    .add(bQkv)
                    .reshape(b, t, 3, heads, hs)
                    .transpose(2, 0, 3, 1, 4); // (3, B, nh, T, hs)
            NDArray q = qkv.get(0);
            NDArray k = qkv.get(1);
            NDArray v = qkv.get(2);
            float[] mask = new float[t * t];
            for (int i = 0; i < t; i++) {
                for (int j = i + 1; j < t; j++) {
                    mask[i * t + j] = Float.NEGATIVE_INFINITY;
                }
            }
            NDArray attended = q.matMul(k.transpose(0, 1, 3, 2))
                    .div((float) Math.sqrt(hs))
                    .add(m.create(mask, new Shape(t, t)))
                    .softmax(-1)
                    .matMul(v); // (B, nh, T, hs)
            NDArray expected = attended.transpose(0, 2, 1, 3)
                    .reshape(b, t, c)
                    .matMul(wProj.transpose())
                    .add(bProj);

            NDArray y = ComputeKernels.forPrecision(precision).selfAttention(mha, x, wQkv, bQkv, wProj, bProj, null);

            assertEquals(new Shape(b, t, c), y.getShape());
            assertEquals(DataType.FLOAT32, y.getDataType());
            float tolerance = precision == Precision.FP32
                    ? 1e-4f
                    : 0.03f * expected.abs().max().getFloat();
            float err = y.sub(expected).abs().max().getFloat();
            assertTrue(err < tolerance, precision.flag() + " error " + err);
            // causal: changing the last position's input leaves every earlier output as it was
            NDArray changed = x.duplicate();
            changed.set(new NDIndex(":, -1, :"), 5f);
            NDArray y2 =
                    ComputeKernels.forPrecision(precision).selfAttention(mha, changed, wQkv, bQkv, wProj, bProj, null);
            assertEquals(
                    0f, y2.get(":, :-1, :").sub(y.get(":, :-1, :")).abs().max().getFloat());
            assertTrue(y2.get(":, -1, :").sub(y.get(":, -1, :")).abs().max().getFloat() > 0f);
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void mlpMatchesTheExplicitFormula(Precision precision) {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            int c = 16;
            NDArray x = m.randomNormal(new Shape(2, 5, c));
            NDArray wFc = m.randomNormal(new Shape(4 * c, c)).mul(0.3f);
            NDArray bFc = m.randomNormal(new Shape(4 * c)).mul(0.1f);
            NDArray wProj = m.randomNormal(new Shape(c, 4 * c)).mul(0.2f);
            NDArray bProj = m.randomNormal(new Shape(c)).mul(0.1f);
            NDArray expected = Activation.gelu(x.matMul(wFc.transpose()).add(bFc))
                    .matMul(wProj.transpose())
                    .add(bProj);

            NDArray y = ComputeKernels.forPrecision(precision)
                    .mlp(new LmConfig.Mlp(LmConfig.Mlp.Activation.GELU, 4 * c, true), x, wFc, bFc, wProj, bProj);

            assertEquals(new Shape(2, 5, c), y.getShape());
            assertEquals(DataType.FLOAT32, y.getDataType());
            float tolerance = precision == Precision.FP32
                    ? 1e-4f
                    : 0.03f * expected.abs().max().getFloat();
            float err = y.sub(expected).abs().max().getFloat();
            assertTrue(err < tolerance, precision.flag() + " error " + err);
        }
    }
}
