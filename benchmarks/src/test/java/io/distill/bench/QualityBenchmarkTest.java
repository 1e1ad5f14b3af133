package io.distill.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.distill.lm.codec.Codec;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.train.Pretraining;
import io.distill.lm.train.TextCorpus;
import io.distill.lm.train.TrainStep;
import io.distill.teacher.TeacherModel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The quality benchmark at the tiny size for a few steps: what it compares must be comparable. */
class QualityBenchmarkTest {
    private static final int STEPS = 4;
    private static final int BATCH = 4;
    private static final QualityArm TOPK_ALL = QualityArm.codec(Codec.parse("topk:259"));
    private static final QualityArm SAMPLED_HALF = QualityArm.parse("sampled:12@0.5");
    private static final List<QualityArm> ARMS = List.of(
            QualityArm.HARD,
            QualityArm.DENSE,
            QualityArm.parse("topk:32"),
            QualityArm.parse("sampled:12"),
            TOPK_ALL,
            SAMPLED_HALF);

    private static NDManager manager;
    private static QualityBenchmark.Result result;
    private static final List<List<TrainStep.Result>> steps = new ArrayList<>();

    @BeforeAll
    static void run() {
        manager = NDManager.newBaseManager();
        TextCorpus corpus = TextCorpus.of(sentences(40_000), 0.05);
        LmConfig tiny = LmConfig.named("tiny");
        // A teacher that has learned a little, so its distributions are not uniform.
        var pretraining = new Pretraining.Options(
                tiny,
                Precision.FP32,
                8,
                1e-2f,
                5,
                Duration.ofMinutes(5),
                3,
                Duration.ofHours(1),
                4096,
                Optional.empty(),
                25);
        var teacher = new TeacherModel(Pretraining.run(corpus, pretraining, manager, quiet()), "test", "1");
        var options = new QualityBenchmark.Options(tiny, Precision.FP32, ARMS, STEPS, BATCH, 0.9f, 2f, 3e-3f, 2, 1, 1);
        result = QualityBenchmark.run(teacher, corpus, options, new QualityBenchmark.Listener() {
            @Override
            public void stepped(QualityBenchmark.Progress progress) {
                steps.add(progress.results());
            }

            @Override
            public void evaluated(QualityBenchmark.Evaluation evaluation) {}
        });
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void everyArmTrainsOnTheSameNumberOfTokens() {
        assertEquals(ARMS.size(), result.arms().size());
        for (QualityBenchmark.ArmResult a : result.arms()) {
            assertEquals((long) STEPS * BATCH * 64, a.tokens(), a.arm().name());
        }
        assertEquals(STEPS, steps.size());
    }

    @Test
    void everyArmStartsFromTheSameWeights() {
        QualityBenchmark.Evaluation start = result.curve().get(0);
        assertEquals(0, start.step());
        for (double bits : start.bitsPerByte()) {
            assertEquals(start.bitsPerByte().get(0), bits, 0.0);
        }
        assertEquals(STEPS, result.curve().get(result.curve().size() - 1).step(), "the last evaluation is at the end");
    }

    @Test
    void everyArmLearnsSomething() {
        double uniform = Math.log(259) / Math.log(2);
        QualityBenchmark.Evaluation start = result.curve().get(0);
        for (int i = 0; i < ARMS.size(); i++) {
            double bits = result.arms().get(i).bitsPerByte();
            assertTrue(Double.isFinite(bits) && bits < uniform, ARMS.get(i) + ": " + bits);
            assertTrue(bits < start.bitsPerByte().get(i), ARMS.get(i) + " did not improve: " + bits);
        }
        assertTrue(result.teacherBitsPerByte() < uniform, "teacher " + result.teacherBitsPerByte());
    }

    @Test
    void theHardArmHasNoTeacherTermAndTheKdArmsDo() {
        List<TrainStep.Result> first = steps.get(0);
        assertEquals(0f, first.get(ARMS.indexOf(QualityArm.HARD)).kd());
        assertTrue(first.get(ARMS.indexOf(QualityArm.DENSE)).kd() > 0f);
        // Same weights, same batch: the hard-label cross-entropy of the first step is the same in every arm.
        for (TrainStep.Result r : first) {
            assertEquals(first.get(0).ce(), r.ce(), 1e-6f);
        }
    }

    /**
     * Top-k over the whole vocabulary carries the whole distribution: through the wire (fp16 log-probabilities)
     * and the trainer's decoding it must give dense KD's loss, and nearly the same student.
     */
    @Test
    void topKOverTheWholeVocabularyMatchesDenseLogits() {
        int dense = ARMS.indexOf(QualityArm.DENSE);
        int all = ARMS.indexOf(TOPK_ALL);
        TrainStep.Result d = steps.get(0).get(dense);
        TrainStep.Result k = steps.get(0).get(all);
        assertEquals(d.kd(), k.kd(), 0.01 * d.kd(), "first-step KD term");
        assertEquals(d.loss(), k.loss(), 0.01 * d.loss(), "first-step loss");
        assertEquals(
                result.arms().get(dense).bitsPerByte(), result.arms().get(all).bitsPerByte(), 0.01, "holdout");
    }

    @Test
    void anArmMayMixItsOwnAlpha() {
        assertEquals(0.5f, SAMPLED_HALF.alphaOr(0.9f));
        assertEquals(0.9f, QualityArm.DENSE.alphaOr(0.9f));
        assertEquals("sampled:12@0.5", SAMPLED_HALF.name());
        assertThrows(IllegalArgumentException.class, () -> QualityArm.parse("hard@0.5"));
        assertThrows(IllegalArgumentException.class, () -> QualityArm.parse("dense@1.5"));
        // total = alpha * T^2 * kd + (1 - alpha) * ce, with the arm's alpha
        TrainStep.Result r = steps.get(0).get(ARMS.indexOf(SAMPLED_HALF));
        assertEquals(0.5f * 4f * r.kd() + 0.5f * r.ce(), r.loss(), 1e-4f * r.loss());
        assertTrue(QualityTable.markdown(result).contains("sampled:12 (alpha 0.5, T 2.0)"));
    }

    @Test
    void theCodecArmsReportTheirWireBytes() {
        for (QualityBenchmark.ArmResult a : result.arms()) {
            if (a.arm().kind() == QualityArm.Kind.CODEC) {
                assertTrue(a.wireBytesPerToken() > 1, a.arm() + ": " + a.wireBytesPerToken());
            } else {
                assertTrue(Double.isNaN(a.wireBytesPerToken()), a.arm().name());
            }
        }
        String table = QualityTable.markdown(result);
        assertTrue(table.contains("| topk:32 (alpha 0.9, T 2.0) | 1,024 |"), table);
        assertTrue(table.contains("| teacher (test v1) |"), table);
    }

    /** Pseudo-sentences from a small vocabulary of words, {@code bytes} long. */
    static byte[] sentences(int bytes) {
        String[] words = {"the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "to", "its", "log", "every"};
        SplittableRandom random = new SplittableRandom(1);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < bytes) {
            sb.append(words[random.nextInt(words.length)]).append(random.nextInt(7) == 0 ? ". " : " ");
        }
        return sb.substring(0, bytes).getBytes(StandardCharsets.UTF_8);
    }

    private static Pretraining.Listener quiet() {
        return new Pretraining.Listener() {
            @Override
            public void stepped(Pretraining.Progress progress) {}

            @Override
            public void evaluated(long step, double holdoutBitsPerByte) {}
        };
    }
}
