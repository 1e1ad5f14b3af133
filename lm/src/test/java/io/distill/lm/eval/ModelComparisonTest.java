package io.distill.lm.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.RepeatedText;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.train.Batch;
import io.distill.lm.train.TrainStep;
import org.junit.jupiter.api.Test;

class ModelComparisonTest {

    @Test
    void agreementIsOneWithItselfAndLowWithAModelThatLearnedSomethingElse() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            Gpt untrained = Gpt.create(LmConfig.named("tiny"), m);
            Gpt trained = Gpt.create(LmConfig.named("tiny"), m);
            RepeatedText abc = new RepeatedText("abc", 3);
            try (TrainStep trainer = new TrainStep(trained, m, TrainStep.Options.defaults(1e-2f, 5))) {
                for (int i = 0; i < 40; i++) {
                    try (Batch batch = Batch.fromWindows(m, abc.windows(8, 32))) {
                        trainer.step(batch);
                    }
                }
            }
            int[] tokens = ByteTokenizer.get().encode("abc".repeat(50));

            assertEquals(1.0, ModelComparison.top1Agreement(untrained, untrained, tokens, m));
            // The trained model predicts the next letter; an untrained tied-embedding model mostly echoes the
            // current one, so the two seldom agree.
            double agreement = ModelComparison.top1Agreement(untrained, trained, tokens, m);
            assertTrue(agreement < 0.4, "agreement " + agreement);
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
