package io.distill.lm.train;

import static io.distill.lm.train.LossTestMath.gradient;
import static io.distill.lm.train.LossTestMath.logOf;
import static io.distill.lm.train.LossTestMath.randomLogits;
import static io.distill.lm.train.LossTestMath.scale;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.codec.Codec;
import io.distill.lm.codec.SampledTargets;
import io.distill.lm.codec.TopKTargets;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hand-computed cases on one position, V = 3: teacher p = (1/2, 1/4, 1/4), student q = (1/8, 3/8, 1/2) (not a
 * permutation of p, so forward and reverse KL differ).
 *
 * <pre>
 * KL(p || q)                 = 1/2 ln 4 + 1/4 ln 2/3 + 1/4 ln 1/2        = ln 2 - 1/4 ln 3
 * KL(q || p)                 = 1/8 ln 1/4 + 3/8 ln 3/2 + 1/2 ln 2       = 3/8 ln 3 - 1/8 ln 2
 * m = p/2 + q/2              = (5/16, 5/16, 3/8)
 * skew-kl:0.5 = KL(p || m)   = 1/2 ln 8/5 + 1/4 ln 4/5 + 1/4 ln 2/3
 * KL(q || m)                 = 1/8 ln 2/5 + 3/8 ln 6/5 + 1/2 ln 4/3
 * jsd:0.5                    = 1/2 KL(p || m) + 1/2 KL(q || m)
 * m = p/10 + 9q/10           = (0.1625, 0.3625, 0.475)
 * skew-kl:0.1                = 1/2 ln(0.5 / 0.1625) + 1/4 ln(0.25 / 0.3625) + 1/4 ln(0.25 / 0.475)
 * top-1 {0}: p = (1/2 | 1/2 tail), q = (1/8 | 7/8 tail), their mean (5/16 | 11/16)
 * </pre>
 */
class DivergenceTest {

    private static final double LN2 = Math.log(2);
    private static final double LN3 = Math.log(3);
    private static final float[] TEACHER = logOf(2, 1, 1); // softmax = (1/2, 1/4, 1/4)
    private static final float[] STUDENT = logOf(1, 3, 4); // softmax = (1/8, 3/8, 1/2)

    private static final Divergence FORWARD = Divergence.FORWARD_KL;
    private static final Divergence REVERSE = Divergence.parse("reverse-kl");
    private static final List<Divergence> ALL = List.of(
            FORWARD,
            REVERSE,
            Divergence.parse("skew-kl:0.1"),
            Divergence.parse("skew-kl:0.5"),
            Divergence.parse("jsd:0.1"),
            Divergence.parse("jsd:0.5"),
            Divergence.parse("jsd:0.9"));

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
    void parsesTheCommandLineSpecsAndRefusesOthersInOneLine() {
        assertEquals(new Divergence.ForwardKl(), Divergence.parse("forward-kl"));
        assertEquals(new Divergence.ReverseKl(), Divergence.parse(" Reverse-KL "));
        assertEquals(new Divergence.SkewKl(0.1f), Divergence.parse("skew-kl:0.1"));
        assertEquals(new Divergence.Jsd(0.5f), Divergence.parse("jsd:0.5"));
        for (Divergence d : ALL) {
            assertEquals(d, Divergence.parse(d.spec()));
        }
        for (String bad : new String[] {
            "kl", "skew-kl", "skew-kl:1", "skew-kl:-0.1", "jsd:1.5", "jsd:x", "jsd:NaN", "reverse-kl:1"
        }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Divergence.parse(bad));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void denseByHand() {
        SoftTargets dense = new SoftTargets.Dense(logits(TEACHER), 1f);
        double skewHalf = 0.5 * Math.log(8.0 / 5) + 0.25 * Math.log(4.0 / 5) + 0.25 * Math.log(2.0 / 3);
        double qToMean = 0.125 * Math.log(2.0 / 5) + 0.375 * Math.log(6.0 / 5) + 0.5 * Math.log(4.0 / 3);
        assertEquals(LN2 - LN3 / 4, kd(dense, "forward-kl"), 1e-6);
        assertEquals(3 * LN3 / 8 - LN2 / 8, kd(dense, "reverse-kl"), 1e-6);
        assertEquals(skewHalf, kd(dense, "skew-kl:0.5"), 1e-6);
        assertEquals(
                0.5 * Math.log(0.5 / 0.1625) + 0.25 * Math.log(0.25 / 0.3625) + 0.25 * Math.log(0.25 / 0.475),
                kd(dense, "skew-kl:0.1"),
                1e-6);
        assertEquals(0.5 * skewHalf + 0.5 * qToMean, kd(dense, "jsd:0.5"), 1e-6);
    }

    @Test
    void topKWithItsTailBucketByHand() {
        SoftTargets top1 = new TopKTargets(ids(0), logits(logOf(0.5f)), 1f);
        assertEquals(0.5 * Math.log(4) + 0.5 * Math.log(4.0 / 7), kd(top1, "forward-kl"), 1e-6);
        assertEquals(0.125 * Math.log(0.25) + 0.875 * Math.log(7.0 / 4), kd(top1, "reverse-kl"), 1e-6);
        double pToMean = 0.5 * Math.log(8.0 / 5) + 0.5 * Math.log(8.0 / 11);
        double qToMean = 0.125 * Math.log(2.0 / 5) + 0.875 * Math.log(14.0 / 11);
        assertEquals(pToMean, kd(top1, "skew-kl:0.5"), 1e-6);
        assertEquals(0.5 * pToMean + 0.5 * qToMean, kd(top1, "jsd:0.5"), 1e-6);
    }

    @Test
    void identicalDistributionsGiveZero() {
        NDArray same = randomLogits(m, 2, 3, 7, 5);
        NDList top = same.topK(3, -1);
        SoftTargets[] teachers = {
            new SoftTargets.Dense(same, 1.5f),
            new TopKTargets(top.get(1), same.div(1.5f).logSoftmax(-1).gather(top.get(1), -1), 1.5f)
        };
        for (SoftTargets teacher : teachers) {
            for (Divergence d : ALL) {
                float value = DistillationLoss.distillation(same, teacher, m.ones(new Shape(2, 3)), d)
                        .getFloat();
                assertEquals(
                        0f, value, 1e-6f, d.spec() + " " + teacher.getClass().getSimpleName());
            }
        }
    }

    @Test
    void jsdEndsAreTheTwoKlsAndSkewZeroIsForwardKl() {
        NDArray teacherLogits = randomLogits(m, 1, 4, 6, 7);
        NDList top = teacherLogits.topK(2, -1);
        SoftTargets[] teachers = {
            new SoftTargets.Dense(teacherLogits, 1f),
            new TopKTargets(top.get(1), teacherLogits.logSoftmax(-1).gather(top.get(1), -1), 1f)
        };
        NDArray mask = m.ones(new Shape(1, 4));
        for (SoftTargets teacher : teachers) {
            NDArray student = randomLogits(m, 1, 4, 6, 8);
            Function<Divergence, Function<NDArray, NDArray>> loss =
                    d -> z -> DistillationLoss.distillation(z, teacher, mask, d);
            for (String[] pair :
                    new String[][] {{"jsd:0", "forward-kl"}, {"jsd:1", "reverse-kl"}, {"skew-kl:0", "forward-kl"}}) {
                Divergence end = Divergence.parse(pair[0]);
                Divergence kl = Divergence.parse(pair[1]);
                assertEquals(
                        loss.apply(kl).apply(student).getFloat(),
                        loss.apply(end).apply(student).getFloat(),
                        1e-7);
                assertArrayEquals(
                        gradient(student.duplicate(), loss.apply(kl)),
                        gradient(student.duplicate(), loss.apply(end)),
                        1e-7f);
            }
            // ... and the two KLs differ here, so the ends are not trivially equal.
            assertTrue(Math.abs(loss.apply(FORWARD).apply(student).getFloat()
                            - loss.apply(REVERSE).apply(student).getFloat())
                    > 1e-3);
        }
    }

    @Test
    void jsdAtOneHalfIsSymmetricAndAtMostLn2() {
        NDArray a = randomLogits(m, 1, 3, 5, 9);
        NDArray b = randomLogits(m, 1, 3, 5, 10);
        NDArray mask = m.ones(new Shape(1, 3));
        Divergence jsd = Divergence.parse("jsd:0.5");
        float ab = DistillationLoss.distillation(b, new SoftTargets.Dense(a, 1f), mask, jsd)
                .getFloat();
        float ba = DistillationLoss.distillation(a, new SoftTargets.Dense(b, 1f), mask, jsd)
                .getFloat();
        assertEquals(ab, ba, 1e-6);
        assertTrue(ab > 0 && ab <= LN2, "jsd " + ab);
    }

    @Test
    void denseMatchesAPlainJavaReferenceOnRandomDistributions() {
        int v = 7;
        NDArray teacher = randomLogits(m, 1, 1, v, 11);
        NDArray student = randomLogits(m, 1, 1, v, 12);
        double[] p = softmax(teacher.toFloatArray());
        double[] q = softmax(student.toFloatArray());
        for (Divergence d : ALL) {
            double expected = reference(d, p, q);
            float actual = DistillationLoss.distillation(
                            student, new SoftTargets.Dense(teacher, 1f), m.ones(new Shape(1, 1)), d)
                    .getFloat();
            assertEquals(expected, actual, 1e-5, d.spec());
        }
    }

    @Test
    void topKWithKEqualToVocabularyIsDenseAndBelowItIsACoarseningOfDense() {
        int v = 9;
        float t = 1.5f;
        NDArray teacherLogits = randomLogits(m, 2, 3, v, 1);
        NDArray student = randomLogits(m, 2, 3, v, 2);
        NDArray mask = m.ones(new Shape(2, 3));
        SoftTargets dense = new SoftTargets.Dense(teacherLogits, t);
        for (Divergence d : ALL) {
            Function<SoftTargets, Function<NDArray, NDArray>> loss =
                    teacher -> z -> DistillationLoss.distillation(z, teacher, mask, d);
            float denseValue = loss.apply(dense).apply(student).getFloat();
            float[] denseGrad = gradient(student.duplicate(), loss.apply(dense));
            for (int k = 1; k <= v; k++) {
                NDList top = teacherLogits.topK(k, -1);
                NDArray lp = teacherLogits.div(t).logSoftmax(-1).gather(top.get(1), -1);
                SoftTargets topK = new TopKTargets(top.get(1), lp, t);
                float sparse = loss.apply(topK).apply(student).getFloat();
                if (k == v) {
                    assertEquals(denseValue, sparse, 1e-5, d.spec());
                    assertArrayEquals(denseGrad, gradient(student.duplicate(), loss.apply(topK)), 1e-5f, d.spec());
                } else {
                    // f-divergences only shrink when outcomes are merged (data processing)
                    assertTrue(
                            sparse >= -1e-6 && sparse <= denseValue + 1e-5,
                            d.spec() + " k=" + k + " " + sparse + " vs " + denseValue);
                }
            }
        }
    }

    @Test
    void sampledTrainsForwardKlAndRefusesWhatItCannotEstimate() {
        SoftTargets sampled = new SampledTargets(ids(0, 1, 2), logits(2, 1, 1), 1f);
        float forward = kd(sampled, "forward-kl");
        assertEquals(kd(sampled, "jsd:0"), forward);
        assertEquals(kd(sampled, "skew-kl:0"), forward);
        Codec.parse("sampled:8").checkLoss(Divergence.parse("jsd:0"));
        for (Divergence d : ALL) {
            Codec.parse("topk:4").checkLoss(d);
            if (d.linearInTeacher()) {
                continue;
            }
            IllegalArgumentException config =
                    assertThrows(IllegalArgumentException.class, () -> Codec.parse("sampled:8")
                            .checkLoss(d));
            assertTrue(
                    config.getMessage().startsWith(d.spec() + " needs the teacher's probability"), config.getMessage());
            assertFalse(config.getMessage().contains("\n"));
            IllegalArgumentException atLoss = assertThrows(
                    IllegalArgumentException.class,
                    () -> DistillationLoss.distillation(logits(STUDENT), sampled, ones(), d));
            assertEquals(config.getMessage(), atLoss.getMessage());
        }
    }

    @Test
    void allMaskedGivesZeroAndZeroGradients() {
        NDArray mask = m.zeros(new Shape(1, 1));
        SoftTargets[] teachers = {
            new SoftTargets.Dense(logits(TEACHER), 2f),
            new TopKTargets(ids(0, 0), logits(0f, 0f), 1f), // padding payload: p sums to 2, tail clamps to 0
            new TopKTargets(ids(0, 0), logits(TopKTargets.PAD_LOG_PROB, TopKTargets.PAD_LOG_PROB), 1f),
        };
        for (SoftTargets teacher : teachers) {
            for (Divergence d : ALL) {
                float[] grad = gradient(logits(STUDENT), z -> {
                    DistillationLoss.Parts p = DistillationLoss.mixed(z, targets(1), mask, teacher, 0.5f, d);
                    assertEquals(0f, p.total().getFloat(), d.spec());
                    assertEquals(0f, p.kd().getFloat(), d.spec());
                    return p.total();
                });
                assertArrayEquals(new float[3], grad, 0f, d.spec());
            }
        }
    }

    @Test
    void gradientsStayFiniteOnNearlyDisjointDistributions() {
        // fp32 softmax underflows to 0 here: exp(-120) is below the smallest float.
        NDArray teacherLogits = m.create(new float[] {-60, 60, 0, -60}, new Shape(1, 1, 4));
        float[] student = {60, -60, 0, -60};
        NDList top = teacherLogits.topK(2, -1);
        SoftTargets[] teachers = {
            new SoftTargets.Dense(teacherLogits, 1f),
            new TopKTargets(top.get(1), teacherLogits.logSoftmax(-1).gather(top.get(1), -1), 1f)
        };
        for (SoftTargets teacher : teachers) {
            for (Divergence d : ALL) {
                float[] grad = gradient(logits(student), z -> {
                    NDArray loss = DistillationLoss.mixed(z, targets(0), ones(), teacher, 0.9f, d)
                            .total();
                    assertTrue(Float.isFinite(loss.getFloat()), d.spec() + " loss " + loss.getFloat());
                    return loss;
                });
                for (float g : grad) {
                    assertTrue(Float.isFinite(g), d.spec() + " gradient " + java.util.Arrays.toString(grad));
                }
            }
        }
    }

    @Test
    void mixedScalesEveryDivergenceByTSquared() {
        float t = 2f;
        SoftTargets dense = new SoftTargets.Dense(logits(scale(TEACHER, t)), t);
        NDArray student = logits(scale(STUDENT, t)); // at T = 2 the same q; at T = 1 q ~ (1, 9, 16)
        double ce = -Math.log(9.0 / 26);
        for (Divergence d : ALL) {
            DistillationLoss.Parts parts = DistillationLoss.mixed(student, targets(1), ones(), dense, 0.25f, d);
            float kd = DistillationLoss.distillation(student, dense, ones(), d).getFloat();
            assertEquals(kd, parts.kd().getFloat(), 1e-7, d.spec());
            assertEquals(ce, parts.ce().getFloat(), 1e-6, d.spec());
            assertEquals(0.25 * t * t * kd + 0.75 * ce, parts.total().getFloat(), 1e-6, d.spec());
        }
        assertEquals(
                3 * LN3 / 8 - LN2 / 8,
                DistillationLoss.mixed(student, targets(1), ones(), dense, 1f, REVERSE)
                        .kd()
                        .getFloat(),
                1e-6);
    }

    // ---- helpers: one position (B = T = 1) unless stated

    private float kd(SoftTargets teacher, String divergence) {
        return DistillationLoss.distillation(logits(STUDENT), teacher, ones(), Divergence.parse(divergence))
                .getFloat();
    }

    /** The definitions in doubles, straight from the formulas. */
    private static double reference(Divergence d, double[] p, double[] q) {
        if (d instanceof Divergence.ForwardKl) {
            return kl(p, q);
        }
        if (d instanceof Divergence.ReverseKl) {
            return kl(q, p);
        }
        if (d instanceof Divergence.SkewKl s) {
            return kl(p, mix(p, q, s.alpha()));
        }
        double beta = ((Divergence.Jsd) d).beta();
        double[] mean = mix(p, q, beta);
        return beta * kl(p, mean) + (1 - beta) * kl(q, mean);
    }

    private static double kl(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * Math.log(a[i] / b[i]);
        }
        return sum;
    }

    private static double[] mix(double[] p, double[] q, double w) {
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = w * p[i] + (1 - w) * q[i];
        }
        return out;
    }

    private NDArray logits(float... values) {
        return m.create(values, new Shape(1, 1, values.length));
    }

    private NDArray ids(long... values) {
        return m.create(values, new Shape(1, 1, values.length));
    }

    private NDArray targets(long id) {
        return m.create(new long[] {id}, new Shape(1, 1));
    }

    private NDArray ones() {
        return m.ones(new Shape(1, 1));
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
}
