package io.distill.lm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.distill.lm.RepeatedText;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import org.junit.jupiter.api.Test;

/** Training at bf16 and fp16 against fp32, on the same model, data and seed. */
class MixedPrecisionTrainingTest {
    private static final String TEXT = "the quick brown fox jumps over the lazy dog. ";
    private static final int STEPS = 40;

    @Test
    void bf16LossCurveTracksFp32() {
        float[] fp32 = lossCurve(Precision.FP32);
        float[] bf16 = lossCurve(Precision.BF16);

        float worst = 0f;
        for (int i = 0; i < STEPS; i++) {
            worst = Math.max(worst, Math.abs(fp32[i] - bf16[i]));
        }
        // Stated tolerance: every step within 0.15 nats of fp32, the last within 0.1.
        assertTrue(worst < 0.15f, "largest per-step gap " + worst + " nats");
        assertEquals(fp32[STEPS - 1], bf16[STEPS - 1], 0.1f);
        assertTrue(bf16[STEPS - 1] < 0.6f * bf16[0], "bf16 must learn: " + bf16[0] + " -> " + bf16[STEPS - 1]);
    }

    @Test
    void fp16TrainsWithLossScalingAndSkipsAnInjectedOverflow() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            Gpt gpt = Gpt.create(LmConfig.named("tiny"), Precision.FP16, m);
            RepeatedText data = new RepeatedText(TEXT, 5);
            try (TrainStep trainer = new TrainStep(gpt, m, TrainStep.Options.defaults(1e-2f, 2))) {
                assertEquals(65536f, trainer.lossScaler().scale());
                try (Batch batch = Batch.fromWindows(m, data.windows(4, 32))) {
                    assertFalse(trainer.step(batch).skipped());
                }
                // Inject an overflow: at 2^40 the scaled gradients exceed fp16's range (65504) inside the products.
                trainer.lossScaler().restore(0x1p40f, 0);
                float[] before =
                        gpt.getParameters().get(0).getValue().getArray().toFloatArray();
                try (Batch batch = Batch.fromWindows(m, data.windows(4, 32))) {
                    TrainStep.Result r = trainer.step(batch);
                    assertTrue(r.skipped(), "an overflowing step must be skipped: " + r);
                    assertEquals(0x1p40f, r.lossScale());
                }
                assertEquals(0x1p39f, trainer.lossScaler().scale(), "the scale halves after an overflow");
                assertArrayEquals(
                        before, gpt.getParameters().get(0).getValue().getArray().toFloatArray());

                trainer.lossScaler().restore(65536f, 0);
                float first = Float.NaN;
                float last = Float.NaN;
                int skipped = 0;
                for (int i = 0; i < 30; i++) {
                    try (Batch batch = Batch.fromWindows(m, data.windows(4, 32))) {
                        TrainStep.Result r = trainer.step(batch);
                        skipped += r.skipped() ? 1 : 0;
                        first = i == 0 ? r.loss() : first;
                        last = r.loss();
                    }
                }
                // A few overflows while the scale settles are how dynamic scaling works; most steps must apply.
                assertTrue(skipped <= 4, skipped + " of 30 steps skipped");
                assertTrue(trainer.lossScaler().scale() <= 65536f);
                assertTrue(last < 0.8f * first, "fp16 must learn: " + first + " -> " + last);
            }
        }
    }

    private static float[] lossCurve(Precision precision) {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            Gpt gpt = Gpt.create(LmConfig.named("tiny"), precision, m);
            RepeatedText data = new RepeatedText(TEXT, 5);
            float[] losses = new float[STEPS];
            try (TrainStep trainer = new TrainStep(gpt, m, TrainStep.Options.defaults(1e-2f, 5))) {
                for (int i = 0; i < STEPS; i++) {
                    try (Batch batch = Batch.fromWindows(m, data.windows(8, 32))) {
                        losses[i] = trainer.step(batch).loss();
                    }
                }
            }
            return losses;
        }
    }
}
