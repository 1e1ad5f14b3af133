package io.distill.lm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.lm.eval.BitsPerByte;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PretrainingTest {

    @Test
    void learnsARepetitiveTextWellBelowItsUnigramEntropy() {
        byte[] text =
                "the cat sat on the mat. the dog sat on the log. ".repeat(400).getBytes(StandardCharsets.UTF_8);
        TextCorpus corpus = TextCorpus.of(text, 0.1);
        List<Double> evaluations = new ArrayList<>();
        List<Pretraining.Progress> progress = new ArrayList<>();
        var options = new Pretraining.Options(
                LmConfig.named("tiny"),
                Precision.FP32,
                8,
                1e-2f,
                10,
                Duration.ofMinutes(5),
                1,
                Duration.ofSeconds(2),
                0,
                Optional.empty(),
                60); // a step count, not a time, decides how much it trains: the test must not depend on load

        try (NDManager m = NDManager.newBaseManager()) {
            double before = BitsPerByte.of(Gpt.create(LmConfig.named("tiny"), m), m, corpus.holdout(), 8);
            Pretraining.run(corpus, options, m, new Pretraining.Listener() {
                @Override
                public void stepped(Pretraining.Progress p) {
                    progress.add(p);
                }

                @Override
                public void evaluated(long step, double bitsPerByte) {
                    evaluations.add(bitsPerByte);
                }
            });

            assertEquals(Math.log(259) / Math.log(2), before, 0.5, "an untrained model is near uniform");
        }
        double last = evaluations.get(evaluations.size() - 1);
        assertEquals(60, progress.size(), "stops at maxSteps");
        assertEquals(60 * 8 * 64, progress.get(59).tokens());
        assertTrue(
                last < 0.5 * corpus.unigramEntropyBits(),
                last + " bits/byte vs unigram " + corpus.unigramEntropyBits());
    }
}
