package io.distill.lm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.distill.lm.Autograd;
import io.distill.lm.tokenize.ByteTokenizer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GptTest {

    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(1);
    }

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void logitsHaveShapeBTVInFp32() {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        NDArray logits = gpt.logits(new ParameterStore(m, false), tokens(2, 5, 3), false);
        assertEquals(new Shape(2, 5, 259), logits.getShape());
        assertEquals(DataType.FLOAT32, logits.getDataType());
    }

    @Test
    void parameterCountMatchesTheConfigFormula() {
        for (String name : new String[] {"tiny", "student-1m"}) {
            try (NDManager scope = m.newSubManager()) {
                LmConfig c = LmConfig.named(name);
                assertEquals(c.parameterCount(), Gpt.create(c, scope).parameterCount(), name);
            }
        }
    }

    @Test
    void attentionIsCausal() {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        ParameterStore ps = new ParameterStore(m, false);
        long[] ids = {1, 2, 3, 4, 5, 6, 7, 8};
        float[] before = gpt.logits(ps, m.create(ids, new Shape(1, 8)), false).toFloatArray();
        ids[5] = 200; // change position 5
        float[] after = gpt.logits(ps, m.create(ids, new Shape(1, 8)), false).toFloatArray();
        int v = 259;
        for (int i = 0; i < 5 * v; i++) {
            assertEquals(before[i], after[i], 1e-6f, "position " + i / v + " saw the future");
        }
        boolean changed = false;
        for (int i = 5 * v; i < 8 * v; i++) {
            changed |= Math.abs(before[i] - after[i]) > 1e-4f;
        }
        assertTrue(changed, "later positions must see position 5");
    }

    @Test
    void rightPaddingDoesNotChangeEarlierPositions() {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        ParameterStore ps = new ParameterStore(m, false);
        float[] shortRun = gpt.logits(ps, m.create(new long[] {10, 20, 30}, new Shape(1, 3)), false)
                .toFloatArray();
        long pad = ByteTokenizer.PAD;
        NDArray padded = gpt.logits(ps, m.create(new long[] {10, 20, 30, pad, pad}, new Shape(1, 5)), false);
        assertArrayEquals(shortRun, padded.get(":, :3, :").toFloatArray(), 1e-6f);
    }

    @Test
    void initialisationFollowsGpt2() {
        LmConfig c = LmConfig.named("student-1m");
        Gpt gpt = Gpt.create(c, m);
        Map<String, NDArray> p = gpt.getParameters().stream()
                .collect(Collectors.toMap(e -> e.getKey(), e -> e.getValue().getArray()));
        assertEquals(0.02, std(p.get("wte")), 0.001);
        assertEquals(0.02, std(p.get("wpe")), 0.001);
        // DJL prefixes each child block's name with its 1-based position: "01h0" is block h0.
        assertEquals(0.02, std(p.get("01h0_02attn_01cAttn_weight")), 0.001);
        assertEquals(0.02, std(p.get("01h0_04mlp_01cFc_weight")), 0.001);
        double residual = 0.02 / Math.sqrt(2 * c.layers());
        assertEquals(residual, std(p.get("01h0_02attn_02cProj_weight")), residual * 0.05);
        assertEquals(residual, std(p.get("05h4_04mlp_02cProj_weight")), residual * 0.05);
        assertEquals(0f, p.get("01h0_02attn_01cAttn_bias").abs().max().getFloat());
        assertEquals(1f, p.get("06lnF_gamma").min().getFloat());
        // LayerNorm over C only: its scale has C entries, not T * C.
        assertEquals(new Shape(c.dModel()), p.get("01h0_01ln1_gamma").getShape());
        assertEquals(
                new Shape(3L * c.dModel(), c.dModel()),
                p.get("01h0_02attn_01cAttn_weight").getShape());
    }

    @Test
    void tooLongOrBadlyTypedInputIsRefused() {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        ParameterStore ps = new ParameterStore(m, false);
        assertThrows(IllegalArgumentException.class, () -> gpt.logits(ps, tokens(1, 65, 1), false));
        assertThrows(
                IllegalArgumentException.class,
                () -> gpt.logits(ps, m.create(new int[] {1, 2}, new Shape(1, 2)), false));
    }

    @Test
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    void dropoutActsOnlyWhileTraining() {
        LmConfig c = LmConfig.gpt(2, 2, 32, 16, 259, 0.5f);
        Gpt gpt = Gpt.create(c, m);
        ParameterStore ps = new ParameterStore(m, false);
        NDArray x = tokens(1, 8, 5);
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            float[] eval1 = gpt.logits(ps, x, false).toFloatArray();
            float[] eval2 = gpt.logits(ps, x, false).toFloatArray();
            float[] train = gpt.logits(ps, x, true).toFloatArray();
            assertArrayEquals(eval1, eval2, 0f);
            assertFalse(Arrays.equals(eval1, train));
        }
    }

    @Test
    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    void inferenceUnderNoGradRecordsNoGraphOnAnyThread() throws Exception {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        ParameterStore ps = new ParameterStore(m, false);
        // A fresh thread starts with PyTorch grad mode on: without the scope the forward records a graph.
        ExecutorService fresh = Executors.newSingleThreadExecutor();
        try {
            boolean[] graphs = fresh.submit(() -> {
                        try (NDManager scope = m.newSubManager()) {
                            NDArray x = scope.create(new long[] {1, 2, 3}, new Shape(1, 3));
                            boolean without = hasGraph(gpt.logits(ps, x, false));
                            try (Autograd.NoGrad ignored = Autograd.noGrad()) {
                                return new boolean[] {without, hasGraph(gpt.logits(ps, x, false))};
                            }
                        }
                    })
                    .get();
            assertTrue(graphs[0], "expected PyTorch grad mode on by default on a new thread");
            assertFalse(graphs[1]);
        } finally {
            fresh.shutdown();
            Autograd.zeroGradients(gpt.getParameters().stream()
                    .map(p -> p.getValue().getArray())
                    .collect(Collectors.toList()));
        }
    }

    /**
     * Whether {@code y} hangs off an autograd graph. DJL's {@code requiresGrad} answers false for every non-leaf
     * array, graph or not, so this tries a backward pass instead.
     */
    private static boolean hasGraph(NDArray y) {
        NDArray s = y.sum();
        try {
            JniUtils.backward((PtNDArray) s, (PtNDArray) s.onesLike(), false, false);
            return true;
        } catch (EngineException e) {
            return false;
        }
    }

    @Test
    void forwardLeavesNothingInTheParameterManager() {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        ParameterStore ps = new ParameterStore(m, false);
        int before = m.getManagedArrays().size();
        for (int i = 0; i < 3; i++) {
            try (NDManager scope = m.newSubManager()) {
                gpt.logits(ps, scope.create(new long[] {1, 2, 3}, new Shape(1, 3)), false);
            }
        }
        assertEquals(before, m.getManagedArrays().size());
    }

    private NDArray tokens(int b, int t, int seed) {
        long[] ids = new long[b * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (seed + 37L * i) % 256;
        }
        return m.create(ids, new Shape(b, t));
    }

    private static double std(NDArray a) {
        float[] v = a.toFloatArray();
        double sum = 0;
        double sq = 0;
        for (float x : v) {
            sum += x;
            sq += x * x;
        }
        double mean = sum / v.length;
        return Math.sqrt(sq / v.length - mean * mean);
    }
}
