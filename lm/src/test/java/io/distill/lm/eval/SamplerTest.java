package io.distill.lm.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.RepeatedText;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.train.Batch;
import io.distill.lm.train.TrainStep;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(4);
    }

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void temperatureZeroIsArgmax() {
        float[] logits = {0.1f, 2f, -1f, 1.9f};
        assertEquals(1, Sampler.pick(logits, 0f, 0, new SplittableRandom(1)));
    }

    @Test
    void topOneIsArgmaxAtAnyTemperature() {
        float[] logits = {0.1f, 2f, -1f, 1.9f};
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 200; i++) {
            assertEquals(1, Sampler.pick(logits, 5f, 1, r));
        }
    }

    @Test
    void samplingFollowsTheSoftmaxWithinTheTopK() {
        float[] logits = {(float) Math.log(3), 0f, -50f, 0f}; // softmax of the top 2 {0, 1 or 3}: 3/4 vs 1/4
        int[] counts = new int[4];
        SplittableRandom r = new SplittableRandom(3);
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            counts[Sampler.pick(logits, 1f, 0, r)]++;
        }
        assertEquals(0.6, counts[0] / (double) n, 0.02); // 3 / 5
        assertEquals(0, counts[2]);
        counts = new int[4];
        float[] distinct = {(float) Math.log(3), 0f, -50f, -1f};
        for (int i = 0; i < n; i++) {
            counts[Sampler.pick(distinct, 1f, 2, r)]++;
        }
        assertEquals(0.75, counts[0] / (double) n, 0.02);
        assertEquals(0, counts[3]); // outside the top 2
        assertThrows(IllegalArgumentException.class, () -> Sampler.pick(logits, -1f, 0, r));
    }

    @Test
    void aModelTrainedOnARepetitiveSequenceGeneratesIt() {
        String period = "abcdefghij";
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        RepeatedText data = new RepeatedText(period, 8);
        try (TrainStep trainer = new TrainStep(gpt, m, TrainStep.Options.defaults(1e-2f, 5))) {
            for (int i = 0; i < 60; i++) {
                try (Batch batch = Batch.fromWindows(m, data.windows(8, 24))) {
                    trainer.step(batch);
                }
            }
        }
        Sampler sampler = new Sampler(gpt, m);
        ByteTokenizer tok = ByteTokenizer.get();
        int[] greedy = sampler.generate(tok.encode("cde"), 30, 0f, 0, new SplittableRandom(9));
        assertEquals("fghijabcdefghijabcdefghijabcde", tok.decodeText(greedy));
        // Longer than the context (64): the sampler slides its window.
        int[] longRun = sampler.generate(tok.encode("a"), 100, 0.5f, 3, new SplittableRandom(10));
        assertEquals("bcdefghija".repeat(10), tok.decodeText(longRun));
    }

    @Test
    void generationStopsAfterEos() {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        // Train "x" -> EOS so that EOS follows the prompt.
        try (TrainStep trainer = new TrainStep(gpt, m, TrainStep.Options.defaults(3e-2f, 0))) {
            for (int i = 0; i < 30; i++) {
                try (Batch batch = Batch.fromWindows(m, new int[][] {{'x', ByteTokenizer.EOS}})) {
                    trainer.step(batch);
                }
            }
        }
        int[] out = new Sampler(gpt, m).generate(new int[] {'x'}, 10, 0f, 0, new SplittableRandom(1));
        assertEquals(1, out.length);
        assertEquals(ByteTokenizer.EOS, out[0]);
        assertTrue(new Sampler(gpt, m).generate(new int[] {'x'}, 0, 0f, 0, new SplittableRandom(1)).length == 0);
    }

    @Test
    void aBatchOfPromptsGeneratesWhatEachPromptGeneratesAloneAndStopsEachRowAtItsEos() {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        try (TrainStep trainer = new TrainStep(gpt, m, TrainStep.Options.defaults(3e-2f, 0))) {
            for (int i = 0; i < 40; i++) {
                try (Batch batch =
                        Batch.fromWindows(m, new int[][] {{'x', ByteTokenizer.EOS}, {'a', 'b'}, {'b', 'c'}})) {
                    trainer.step(batch);
                }
            }
        }
        Sampler sampler = new Sampler(gpt, m);
        int[][] prompts = {{'x'}, {'a'}, {'b'}};
        int[][] batch = sampler.generate(prompts, 3, 0f, 0, new SplittableRandom(1));
        for (int i = 0; i < prompts.length; i++) {
            int[] alone = sampler.generate(prompts[i], 3, 0f, 0, new SplittableRandom(1));
            assertEquals(java.util.Arrays.toString(alone), java.util.Arrays.toString(batch[i]), "prompt " + i);
        }
        assertEquals(1, batch[0].length, "the first row stops at its EOS");
        assertThrows(
                IllegalArgumentException.class,
                () -> sampler.generate(new int[][] {{'a'}, {'a', 'b'}}, 2, 0f, 0, new SplittableRandom(1)));
    }
}
