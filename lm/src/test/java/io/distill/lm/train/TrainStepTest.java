package io.distill.lm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.RepeatedText;
import io.distill.lm.codec.SampledTargets;
import io.distill.lm.codec.TopKTargets;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TrainStepTest {

    private static final String TEXT = "the quick brown fox jumps over the lazy dog. ";

    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(3);
    }

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void lossFallsClearlyOnALearnableSequence() {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        RepeatedText data = new RepeatedText(TEXT, 5);
        try (TrainStep trainer = new TrainStep(gpt, m, TrainStep.Options.defaults(1e-2f, 5))) {
            float first = Float.NaN;
            float last = Float.NaN;
            for (int i = 0; i < 50; i++) {
                try (Batch batch = Batch.fromWindows(m, data.windows(8, 32))) {
                    TrainStep.Result r = trainer.step(batch);
                    assertFalse(r.skipped());
                    assertEquals(8 * 32, r.tokens());
                    assertEquals(0f, r.kd());
                    first = i == 0 ? r.loss() : first;
                    last = r.loss();
                }
            }
            // Uniform guessing costs ln 259 = 5.56 nats; 50 steps must get well below half of that.
            assertEquals(Math.log(259), first, 0.3);
            assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
            assertEquals(50, trainer.steps());
            assertEquals(50, trainer.optimizer().updates());
        }
    }

    /** A Llama-like student (RMSNorm, rotary positions, grouped heads, SwiGLU, untied head) learns in bf16 too. */
    @ParameterizedTest
    @EnumSource(
            value = Precision.class,
            names = {"FP32", "BF16"})
    void aLlamaShapedStudentLearnsAtFp32AndBf16(Precision precision) {
        LmConfig llama = new LmConfig(
                2,
                32,
                64,
                259,
                new LmConfig.Attention(4, 2, 8, false, false),
                new LmConfig.Mlp(LmConfig.Mlp.Activation.SWIGLU, 64, false),
                new LmConfig.Norm(LmConfig.Norm.Kind.RMS_NORM, 1e-6f),
                LmConfig.Positions.rope(10000, null),
                false,
                0f);
        Gpt gpt = Gpt.create(llama, precision, m);
        RepeatedText data = new RepeatedText(TEXT, 7);
        try (TrainStep trainer = new TrainStep(gpt, m, TrainStep.Options.defaults(1e-2f, 5))) {
            float first = Float.NaN;
            float last = Float.NaN;
            for (int i = 0; i < 40; i++) {
                try (Batch batch = Batch.fromWindows(m, data.windows(8, 32))) {
                    TrainStep.Result r = trainer.step(batch);
                    assertFalse(r.skipped());
                    first = i == 0 ? r.loss() : first;
                    last = r.loss();
                }
            }
            assertTrue(last < 0.5 * first, precision + " loss " + first + " -> " + last);
        }
    }

    @Test
    void stepsLeakNoNativeArrays() {
        Gpt gpt = Gpt.create(LmConfig.named("tiny"), m);
        RepeatedText data = new RepeatedText(TEXT, 6);
        try (TrainStep trainer = new TrainStep(gpt, m, TrainStep.Options.defaults(1e-3f, 0))) {
            try (Batch first = Batch.fromWindows(m, data.windows(2, 16))) {
                trainer.step(first); // the first backward creates the gradients
            }
            int arrays = m.getManagedArrays().size();
            for (int i = 0; i < 5; i++) {
                try (Batch batch = Batch.fromWindows(m, data.windows(2, 16))) {
                    trainer.step(batch);
                }
            }
            assertEquals(arrays, m.getManagedArrays().size());
        }
    }

    @Test
    void distillationStepsFromTopKAndSampledTargets() {
        LmConfig c = LmConfig.named("tiny");
        Gpt gpt = Gpt.create(c, m);
        RepeatedText data = new RepeatedText(TEXT, 7);
        try (TrainStep trainer = new TrainStep(gpt, m, TrainStep.Options.defaults(1e-3f, 0))) {
            for (int codec = 0; codec < 2; codec++) {
                try (Batch plain = Batch.fromWindows(m, data.windows(2, 16))) {
                    NDManager s = plain.manager();
                    // A made-up teacher: random logits over the vocabulary at T = 2.
                    NDArray teacher =
                            s.randomNormal(new Shape(2, 16, c.vocab())).mul(3f);
                    SoftTargets targets;
                    if (codec == 0) {
                        NDList top = teacher.topK(8, -1);
                        NDArray lp = teacher.div(2f).logSoftmax(-1).gather(top.get(1), -1);
                        targets = new TopKTargets(top.get(1), lp, 2f);
                    } else {
                        NDArray ids = s.randomInteger(0, c.vocab(), new Shape(2, 16, 4), DataType.INT64);
                        targets = new SampledTargets(ids, s.ones(new Shape(2, 16, 4)), 2f);
                    }
                    TrainStep.Result r = trainer.step(plain.withTeacher(targets));
                    assertFalse(r.skipped());
                    assertTrue(r.kd() > 0f && Float.isFinite(r.loss()), r.toString());
                    assertEquals(0.5f * 4f * r.kd() + 0.5f * r.ce(), r.loss(), 1e-4f);
                }
            }
        }
    }

    @Test
    void everyDivergenceStepsOnTopKAndSampledRefusesTheOnesItCannotGiveBeforeAnyUpdate() {
        LmConfig c = LmConfig.named("tiny");
        Gpt gpt = Gpt.create(c, m);
        RepeatedText data = new RepeatedText(TEXT, 7);
        TrainStep.Options defaults = TrainStep.Options.defaults(1e-3f, 0);
        for (String spec : new String[] {"reverse-kl", "skew-kl:0.1", "jsd:0.5"}) {
            Divergence divergence = Divergence.parse(spec);
            try (TrainStep trainer = new TrainStep(gpt, m, defaults.withDivergence(divergence))) {
                try (Batch plain = Batch.fromWindows(m, data.windows(2, 16))) {
                    NDManager s = plain.manager();
                    NDArray teacher =
                            s.randomNormal(new Shape(2, 16, c.vocab())).mul(3f);
                    NDArray ids = s.randomInteger(0, c.vocab(), new Shape(2, 16, 4), DataType.INT64);
                    SoftTargets sampled = new SampledTargets(ids, s.ones(new Shape(2, 16, 4)), 2f);
                    float before =
                            gpt.getParameters().valueAt(0).getArray().sum().getFloat();
                    IllegalArgumentException e = assertThrows(
                            IllegalArgumentException.class, () -> trainer.step(plain.withTeacher(sampled)));
                    assertTrue(e.getMessage().startsWith(spec + " needs the teacher's probability"), e.getMessage());
                    assertEquals(0, trainer.steps());
                    assertEquals(
                            before,
                            gpt.getParameters().valueAt(0).getArray().sum().getFloat());

                    NDList top = teacher.topK(8, -1);
                    NDArray lp = teacher.div(2f).logSoftmax(-1).gather(top.get(1), -1);
                    TrainStep.Result r = trainer.step(plain.withTeacher(new TopKTargets(top.get(1), lp, 2f)));
                    assertFalse(r.skipped());
                    assertTrue(r.kd() > 0f && Float.isFinite(r.loss()) && Float.isFinite(r.gradNorm()), r.toString());
                    assertEquals(0.5f * 4f * r.kd() + 0.5f * r.ce(), r.loss(), 1e-4f);
                }
            }
        }
    }
}
