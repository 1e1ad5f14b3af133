package io.distill.lm.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.distill.lm.Autograd;
import io.distill.lm.InPlace;
import io.distill.lm.RepeatedText;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.tokenize.ByteTokenizer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BitsPerByteTest {

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
    void aModelWithZeroWeightsIsUniformAndCostsLog2OfTheVocabulary() {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        for (Pair<String, Parameter> p : gpt.getParameters()) {
            NDArray a = p.getValue().getArray();
            InPlace.copy(a, a.zerosLike()); // every logit is then 0: x = 0 through every block, logits = 0 . wte
        }
        int[] tokens = ByteTokenizer.get().encode("hello world");
        assertEquals(Math.log(259) / Math.log(2), BitsPerByte.of(gpt, m, tokens, 4), 1e-5);
    }

    @Test
    void scoresEveryByteTargetOnceAcrossWindowsAndSkipsSpecialTokens() {
        Engine.getInstance().setRandomSeed(6);
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m); // context 64
        int[] text = new RepeatedText("windows of sixty-four tokens; ", 1).windows(1, 149)[0];
        int[] tokens = new int[text.length + 2];
        tokens[0] = ByteTokenizer.BOS;
        System.arraycopy(text, 0, tokens, 1, text.length);
        tokens[tokens.length - 1] = ByteTokenizer.EOS; // 152 tokens: windows [0,64], [64,128], [128,151]

        // By hand: each window's logits, -log p(target) for byte targets, in double.
        double nats = 0;
        int bytes = 0;
        for (int start = 0; start + 1 < tokens.length; start += 64) {
            int len = Math.min(64, tokens.length - 1 - start);
            long[] ids = new long[len];
            for (int j = 0; j < len; j++) {
                ids[j] = tokens[start + j];
            }
            float[] logits = logits(gpt, ids);
            for (int j = 0; j < len; j++) {
                int target = tokens[start + j + 1];
                if (target < 256) {
                    nats -= logSoftmax(logits, j * 259, 259, target);
                    bytes++;
                }
            }
        }
        assertEquals(150, bytes, "the BOS-predicted first byte up to the last byte; EOS is not scored");
        double expected = nats / bytes / Math.log(2);
        assertEquals(expected, BitsPerByte.of(gpt, m, tokens, 2), 1e-4);
        assertEquals(expected, BitsPerByte.of(gpt, m, tokens, 8), 1e-4);
    }

    @Test
    void nothingToScoreIsAnError() {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        assertThrows(
                IllegalArgumentException.class,
                () -> BitsPerByte.of(gpt, m, new int[] {ByteTokenizer.BOS, ByteTokenizer.EOS}, 1));
    }

    @SuppressWarnings("try") // the no-grad scope is used for its effect only
    private float[] logits(Gpt gpt, long[] ids) {
        try (NDManager scope = m.newSubManager();
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            return gpt.logits(new ParameterStore(scope, false), scope.create(ids, new Shape(1, ids.length)), false)
                    .toFloatArray();
        }
    }

    private static double logSoftmax(float[] logits, int offset, int v, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < v; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        return logits[offset + target] - max - Math.log(sum);
    }
}
