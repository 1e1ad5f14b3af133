package io.distill.lm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.model.LmConfig.Attention;
import io.distill.lm.model.LmConfig.Mlp;
import io.distill.lm.model.LmConfig.Norm;
import io.distill.lm.model.LmConfig.Positions;
import io.distill.lm.model.LmConfig.RopeScaling;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The family switches of the one model: parameter layout and counts, causality with rotary positions and grouped
 * heads, and the config's JSON. Logits against an independent PyTorch forward are checked by the Hugging Face
 * import tests.
 */
class ModelFamiliesTest {

    static LmConfig llamaLike(boolean tied, boolean qkvBias) {
        return new LmConfig(
                2,
                32,
                64,
                100,
                new Attention(4, 2, 16, qkvBias, false),
                new Mlp(Mlp.Activation.SWIGLU, 48, false),
                new Norm(Norm.Kind.RMS_NORM, 1e-6f),
                Positions.rope(10000, new RopeScaling(8, 1, 4, 16)),
                tied,
                0f);
    }

    @Test
    void parametersByPathNameEveryParameterOnce() {
        try (NDManager m = NDManager.newBaseManager()) {
            LmConfig c = llamaLike(false, true);
            Gpt gpt = Gpt.create(c, m);
            Map<String, Parameter> byPath = gpt.parametersByPath();
            assertEquals(gpt.getParameters().size(), byPath.size());
            assertEquals(c.parameterCount(), gpt.parameterCount());
            assertEquals(
                    List.of(
                            "wte",
                            "h.0.ln1.weight",
                            "h.0.attn.cAttn.weight",
                            "h.0.attn.cAttn.bias",
                            "h.0.attn.cProj.weight",
                            "h.0.ln2.weight",
                            "h.0.mlp.cFc.weight",
                            "h.0.mlp.cProj.weight"),
                    byPath.keySet().stream().limit(8).toList());
            assertEquals(
                    new Shape((4 + 2 * 2) * 16, 32),
                    byPath.get("h.1.attn.cAttn.weight").getArray().getShape());
            assertEquals(
                    new Shape(32, 4 * 16),
                    byPath.get("h.1.attn.cProj.weight").getArray().getShape());
            assertEquals(
                    new Shape(2 * 48, 32),
                    byPath.get("h.1.mlp.cFc.weight").getArray().getShape());
            assertEquals(new Shape(100, 32), byPath.get("lmHead").getArray().getShape());
            assertTrue(byPath.containsKey("lnF.weight"));

            Gpt own = Gpt.create(LmConfig.named("tiny"), m);
            assertEquals(own.getParameters().size(), own.parametersByPath().size());
            assertTrue(own.parametersByPath().keySet().containsAll(List.of("wpe", "h.1.ln2.bias", "lnF.bias")));
        }
    }

    @Test
    void rotaryGroupedQueryModelIsCausalAndFinite() {
        try (NDManager m = NDManager.newBaseManager();
                var noGrad = Autograd.noGrad()) {
            Gpt gpt = Gpt.create(llamaLike(true, false), m);
            long[] ids = {1, 7, 42, 99, 3, 5, 8, 13};
            NDArray a = m.create(ids, new Shape(1, ids.length));
            long[] changed = ids.clone();
            changed[ids.length - 1] = 50;
            NDArray b = m.create(changed, new Shape(1, ids.length));
            NDArray la = gpt.logits(new ParameterStore(m, false), a, false);
            NDArray lb = gpt.logits(new ParameterStore(m, false), b, false);
            assertEquals(new Shape(1, ids.length, 100), la.getShape());
            assertTrue(Float.isFinite(la.abs().max().getFloat()));
            assertEquals(
                    0f, la.get(":, :-1, :").sub(lb.get(":, :-1, :")).abs().max().getFloat());
            assertTrue(la.get(":, -1, :").sub(lb.get(":, -1, :")).abs().max().getFloat() > 0f);
        }
    }

    @Test
    void everyFamilyConfigRoundTripsThroughJson() {
        for (LmConfig c : List.of(llamaLike(true, false), llamaLike(false, true), LmConfig.named("student-1m"))) {
            assertEquals(c, LmConfig.fromJson(c.toJson()), c.toJson());
        }
        assertTrue(llamaLike(true, false).toJson().contains("\"activation\":\"swiglu\""));
    }
}
