package io.distill.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class ModelComparisonTest {

    @Test
    void aModelAgreesWithItselfAndRarelyWithARandomOther() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            Gpt a = Gpt.create(LmConfig.named("tiny"), m);
            Engine.getInstance().setRandomSeed(2);
            Gpt b = Gpt.create(LmConfig.named("tiny"), m);
            int[] tokens = ByteTokenizer.get().encode("the quick brown fox jumps over the lazy dog. ".repeat(10));

            assertEquals(1.0, ModelComparison.top1Agreement(a, a, tokens, m));
            assertTrue(ModelComparison.top1Agreement(a, b, tokens, m) < 0.5);
        }
    }

    @Test
    void inferenceThroughputIsPositiveAndFinite() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt model = Gpt.create(LmConfig.named("tiny"), m);
            double tokensPerSecond = ModelComparison.inferenceTokensPerSecond(model, 2, 3, m);
            assertTrue(tokensPerSecond > 0 && Double.isFinite(tokensPerSecond), "" + tokensPerSecond);
        }
    }
}
