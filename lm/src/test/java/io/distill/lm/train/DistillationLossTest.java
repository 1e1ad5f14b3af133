package io.distill.lm.train;

import static io.distill.lm.train.LossTestMath.gradient;
import static io.distill.lm.train.LossTestMath.logOf;
import static io.distill.lm.train.LossTestMath.randomLogits;
import static io.distill.lm.train.LossTestMath.scale;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.codec.SampledTargets;
import io.distill.lm.codec.TopKTargets;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hand-computed cases on one position, V = 3: student q = (1/4, 1/2, 1/4), teacher p = (1/2, 1/4, 1/4).
 *
 * <pre>
 * CE(target 1)        = -ln 1/2                                  = ln 2
 * KL(p || q)          = 1/2 ln 2 + 1/4 ln 1/2 + 1/4 ln 1          = 1/4 ln 2
 * top-1 {0}: head     = 1/2 ln 2, tail = 1/2 ln((1/2) / (3/4))    = 1/2 ln 4/3 in all
 * sampled 2x0 1x1 1x2 = -(1/2 ln 1/4 + 1/4 ln 1/2 + 1/4 ln 1/4)   = 7/4 ln 2 = KL + H(p)
 * </pre>
 */
class DistillationLossTest {

    private static final double LN2 = Math.log(2);
    private static final float[] STUDENT = logOf(1, 2, 1); // softmax = (1/4, 1/2, 1/4)
    private static final float[] TEACHER = logOf(2, 1, 1); // softmax = (1/2, 1/4, 1/4)

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
    void crossEntropyByHand() {
        assertEquals(
                LN2,
                DistillationLoss.crossEntropy(logits(STUDENT), targets(1), ones(1))
                        .getFloat(),
                1e-6);
        assertEquals(
                Math.log(4),
                DistillationLoss.crossEntropy(logits(STUDENT), targets(0), ones(1))
                        .getFloat(),
                1e-6);
    }

    @Test
    void denseKlByHandAndZeroForIdenticalDistributions() {
        SoftTargets dense = new SoftTargets.Dense(logits(TEACHER), 1f);
        assertEquals(
                LN2 / 4,
                DistillationLoss.distillation(logits(STUDENT), dense, ones(1)).getFloat(),
                1e-6);
        SoftTargets same = new SoftTargets.Dense(logits(STUDENT), 1f);
        assertEquals(
                0, DistillationLoss.distillation(logits(STUDENT), same, ones(1)).getFloat(), 1e-7);
    }

    @Test
    void temperatureDividesBothSidesLogits() {
        // Logits doubled and T = 2 give back the same two distributions, so the same KL.
        SoftTargets dense = new SoftTargets.Dense(logits(scale(TEACHER, 2)), 2f);
        assertEquals(
                LN2 / 4,
                DistillationLoss.distillation(logits(scale(STUDENT, 2)), dense, ones(1))
                        .getFloat(),
                1e-6);
    }

    @Test
    void topKWithTailBucketByHand() {
        SoftTargets top1 = new TopKTargets(ids(0), logits(logOf(0.5f)), 1f);
        assertEquals(
                0.5 * Math.log(4.0 / 3),
                DistillationLoss.distillation(logits(STUDENT), top1, ones(1)).getFloat(),
                1e-6);
        // Top-2 {0, 1}: head 1/2 ln 2 - 1/4 ln 2, tails 1/4 and 1/4 cancel.
        SoftTargets top2 = new TopKTargets(ids(0, 1), logits(logOf(0.5f, 0.25f)), 1f);
        assertEquals(
                LN2 / 4,
                DistillationLoss.distillation(logits(STUDENT), top2, ones(1)).getFloat(),
                1e-6);
    }

    @Test
    void topKFromLogitsAndLogSumExp() {
        // Raw teacher logits at T = 2: z = 2 ln(2, 1, 1), lse(z / 2) = ln 4, so log p = ln 2 - ln 4 = ln 1/2.
        TopKTargets t = TopKTargets.fromLogits(
                ids(0), logits(scale(logOf(2), 2)), m.create(new float[] {(float) Math.log(4)}, new Shape(1, 1)), 2f);
        assertEquals(Math.log(0.5), t.logProbs().getFloat(), 1e-6);
    }

    @Test
    void sampledIsTheCrossEntropyFormByHand() {
        SoftTargets s = new SampledTargets(ids(0, 1, 2), logits(2, 1, 1), 1f);
        assertEquals(
                1.75 * LN2,
                DistillationLoss.distillation(logits(STUDENT), s, ones(1)).getFloat(),
                1e-6);
        // Frequencies count / N give the same loss as raw counts.
        SoftTargets freq = new SampledTargets(ids(0, 1, 2), logits(0.5f, 0.25f, 0.25f), 1f);
        assertEquals(
                1.75 * LN2,
                DistillationLoss.distillation(logits(STUDENT), freq, ones(1)).getFloat(),
                1e-6);
        // Empty slots (count 0) contribute nothing.
        SoftTargets padded = new SampledTargets(ids(0, 1, 2, 0), logits(2, 1, 1, 0), 1f);
        assertEquals(
                1.75 * LN2,
                DistillationLoss.distillation(logits(STUDENT), padded, ones(1)).getFloat(),
                1e-6);
    }

    @Test
    void mixedReturnsItsPartsAndScalesKlByTSquared() {
        float t = 2f;
        SoftTargets dense = new SoftTargets.Dense(logits(scale(TEACHER, t)), t);
        NDArray student = logits(scale(STUDENT, t)); // at T = 1 the student is softmax(2 ln(1, 2, 1)) = (1, 4, 1) / 6
        DistillationLoss.Parts parts = DistillationLoss.mixed(student, targets(1), ones(1), dense, 0.25f);
        double kd = LN2 / 4;
        double ce = Math.log(1.5);
        assertEquals(kd, parts.kd().getFloat(), 1e-6);
        assertEquals(ce, parts.ce().getFloat(), 1e-6);
        assertEquals(0.25 * t * t * kd + 0.75 * ce, parts.total().getFloat(), 1e-6);
    }

    @Test
    void tSquaredKeepsTheGradientScale() {
        // d/dz [T^2 KL(p_T || q_T)] = T (q_T - p_T); here q_T - p_T = (-1/4, 1/4, 0) and T = 2.
        float t = 2f;
        SoftTargets dense = new SoftTargets.Dense(logits(scale(TEACHER, t)), t);
        float[] grad =
                gradient(logits(scale(STUDENT, t)), z -> DistillationLoss.mixed(z, targets(1), ones(1), dense, 1f)
                        .total());
        assertArrayEquals(new float[] {-0.5f, 0.5f, 0f}, grad, 1e-6f);
    }

    @Test
    void maskedPositionsContributeNothing() {
        // Position 1 is masked and holds different (finite) values: the loss is position 0's alone.
        NDArray student = m.create(concat(STUDENT, logOf(5, 1, 1)), new Shape(1, 2, 3));
        NDArray mask = m.create(new float[] {1, 0}, new Shape(1, 2));
        NDArray tg = m.create(new long[] {1, 2}, new Shape(1, 2));
        assertEquals(LN2, DistillationLoss.crossEntropy(student, tg, mask).getFloat(), 1e-6);
        SoftTargets dense = new SoftTargets.Dense(m.create(concat(TEACHER, logOf(1, 1, 9)), new Shape(1, 2, 3)), 1f);
        assertEquals(
                LN2 / 4, DistillationLoss.distillation(student, dense, mask).getFloat(), 1e-6);
    }

    @Test
    void allMaskedGivesZeroAndFiniteGradients() {
        NDArray mask = m.zeros(new Shape(1, 1));
        SoftTargets[] teachers = {
            new SoftTargets.Dense(logits(TEACHER), 2f),
            new TopKTargets(ids(0, 0), logits(0f, 0f), 1f), // padding payload: p sums to 2, tail clamps to 0
            new SampledTargets(ids(0), logits(0f), 1f), // no draws at all
        };
        for (SoftTargets teacher : teachers) {
            float[] grad = gradient(logits(STUDENT), z -> {
                DistillationLoss.Parts p = DistillationLoss.mixed(z, targets(1), mask, teacher, 0.5f);
                assertEquals(0f, p.total().getFloat());
                assertEquals(0f, p.kd().getFloat());
                assertEquals(0f, p.ce().getFloat());
                return p.total();
            });
            assertArrayEquals(new float[3], grad, 0f);
        }
    }

    @Test
    void topKWithKEqualToVocabularyIsTheDenseKl() {
        int v = 7;
        float t = 1.5f;
        NDArray teacherLogits = randomLogits(m, 2, 3, v, 1);
        SoftTargets dense = new SoftTargets.Dense(teacherLogits, t);
        NDList top = teacherLogits.topK(v, -1); // values, indices: (B, T, V) each
        NDArray lse =
                teacherLogits.div(t).sub(teacherLogits.div(t).logSoftmax(-1)).get(":, :, 0"); // (B, T)
        SoftTargets topK = TopKTargets.fromLogits(top.get(1), top.get(0), lse, t);
        NDArray mask = m.ones(new Shape(2, 3));
        Function<SoftTargets, Function<NDArray, NDArray>> loss =
                teacher -> z -> DistillationLoss.distillation(z, teacher, mask);
        NDArray student = randomLogits(m, 2, 3, v, 2);
        assertEquals(
                loss.apply(dense).apply(student).getFloat(),
                loss.apply(topK).apply(student).getFloat(),
                1e-5);
        assertArrayEquals(
                gradient(student.duplicate(), loss.apply(dense)),
                gradient(student.duplicate(), loss.apply(topK)),
                1e-5f);
    }

    @Test
    void topKBelowVocabularyStaysAnUpperBoundedCoarseningOfTheDenseKl() {
        // Merging outcomes into a tail bucket can only lose information: 0 <= KL_topk <= KL_dense.
        int v = 9;
        NDArray teacherLogits = randomLogits(m, 1, 4, v, 3);
        NDArray student = randomLogits(m, 1, 4, v, 4);
        NDArray mask = m.ones(new Shape(1, 4));
        float dense = DistillationLoss.distillation(student, new SoftTargets.Dense(teacherLogits, 1f), mask)
                .getFloat();
        for (int k = 1; k < v; k++) {
            NDList top = teacherLogits.topK(k, -1);
            NDArray lp = teacherLogits.logSoftmax(-1).gather(top.get(1), -1);
            float sparse = DistillationLoss.distillation(student, new TopKTargets(top.get(1), lp, 1f), mask)
                    .getFloat();
            assertTrue(sparse >= -1e-6 && sparse <= dense + 1e-5, "k=" + k + " " + sparse + " vs " + dense);
        }
    }

    @Test
    void sampledApproachesDenseAsDrawsGrow() {
        // E[sampled] = H(p, q) = KL(p || q) + H(p), and its gradient q - count/N tends to the KL's q - p.
        float[] teacher = {2f, 0.5f, -1f, 1f, 0f};
        float[] student = {0f, 1f, 0.5f, -0.5f, 0.2f};
        double[] p = softmax(teacher);
        double entropy = 0;
        for (double pi : p) {
            entropy -= pi * Math.log(pi);
        }
        NDArray mask = ones(1);
        SoftTargets dense = new SoftTargets.Dense(logits(teacher), 1f);
        double denseCe =
                DistillationLoss.distillation(logits(student), dense, mask).getFloat() + entropy;
        float[] denseGrad = gradient(logits(student), z -> DistillationLoss.distillation(z, dense, mask));
        SplittableRandom random = new SplittableRandom(11);
        double[] gradErrors = new double[2];
        int[] draws = {100, 200_000};
        for (int i = 0; i < draws.length; i++) {
            float[] counts = new float[teacher.length];
            for (int d = 0; d < draws[i]; d++) {
                counts[draw(p, random.nextDouble())]++;
            }
            SoftTargets sampled = new SampledTargets(ids(0, 1, 2, 3, 4), logits(counts), 1f);
            double value = DistillationLoss.distillation(logits(student), sampled, mask)
                    .getFloat();
            float[] grad = gradient(logits(student), z -> DistillationLoss.distillation(z, sampled, mask));
            gradErrors[i] = maxAbsDiff(grad, denseGrad);
            if (i == draws.length - 1) {
                assertEquals(denseCe, value, 0.01);
            }
        }
        assertTrue(gradErrors[1] < 0.005, "gradient error at 200k draws: " + gradErrors[1]);
        assertTrue(gradErrors[1] < gradErrors[0], "error should shrink with more draws");
    }

    @Test
    void shapesAndTypesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new SoftTargets.Dense(logits(TEACHER), 0f));
        assertThrows(IllegalArgumentException.class, () -> new TopKTargets(ids(0, 1), logits(logOf(0.5f)), 1f));
        assertThrows(IllegalArgumentException.class, () -> new TopKTargets(logits(0f), logits(0f), 1f)); // float ids
        assertThrows(
                IllegalArgumentException.class,
                () -> DistillationLoss.crossEntropy(logits(STUDENT), targets(1), m.ones(new Shape(1, 2))));
    }

    // ---- helpers: one position (B = T = 1) unless stated

    private NDArray logits(float... values) {
        return m.create(values, new Shape(1, 1, values.length));
    }

    private NDArray ids(long... values) {
        return m.create(values, new Shape(1, 1, values.length));
    }

    private NDArray targets(long id) {
        return m.create(new long[] {id}, new Shape(1, 1));
    }

    private NDArray ones(int t) {
        return m.ones(new Shape(1, t));
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = new float[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static double[] softmax(float[] z) {
        double[] p = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i]);
            sum += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static int draw(double[] p, double u) {
        for (int i = 0; i < p.length; i++) {
            u -= p[i];
            if (u < 0) {
                return i;
            }
        }
        return p.length - 1;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
