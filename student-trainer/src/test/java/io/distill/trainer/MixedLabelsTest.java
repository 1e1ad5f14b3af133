package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.distill.lm.codec.WindowLabels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The mixture in probability space, against hand computations over a vocabulary of 4. */
class MixedLabelsTest {
    private static final int VOCAB = 4;

    /** Top-2 {0: .6, 1: .3}, tail .1: dense [.6, .3, .05, .05] (the tail spread over the two ids not listed). */
    private static final WindowLabels A = topK(new int[] {0, 1}, new float[] {0.6f, 0.3f});

    /** Top-2 {1: .5, 2: .4}, tail .1: dense [.05, .5, .4, .05]. */
    private static final WindowLabels B = topK(new int[] {1, 2}, new float[] {0.5f, 0.4f});

    @Test
    void aTopKTeacherIsDenseWithItsTailSpreadOverTheIdsItDoesNotList() {
        assertArrayEquals(new double[] {0.6, 0.3, 0.05, 0.05}, MixedLabels.dense(A, 0, VOCAB), 1e-6);
    }

    @Test
    void twoTeachersAtHalfAndHalfGiveTheAverageOverEveryId() {
        WindowLabels m = MixedLabels.mix(List.of(A, B), new double[] {0.5, 0.5}, VOCAB);

        assertArrayEquals(new int[] {0, 1, 2, 3}, m.ids()[0]);
        assertArrayEquals(new float[] {0.325f, 0.4f, 0.225f, 0.05f}, m.weights()[0], 1e-6f);
        assertEquals((float) Math.log(0.225), m.logProbs()[0][2], 1e-6f);
        assertEquals(0f, m.tailMass(0));
        assertEquals(1, m.mostLikely(0));
    }

    @Test
    void weightsOfTheFlagAreRenormalisedBeforeMixing() {
        TeacherWeights w = TeacherWeights.parse("a=1,b=3"); // 0.25, 0.75

        WindowLabels m = MixedLabels.mix(List.of(A, B), new double[] {w.weight("a"), w.weight("b")}, VOCAB);

        // .25 [.6, .3, .05, .05] + .75 [.05, .5, .4, .05]
        assertArrayEquals(new float[] {0.1875f, 0.45f, 0.3125f, 0.05f}, m.weights()[0], 1e-6f);
    }

    @Test
    void anEstimateMakesTheMixtureAnEstimateOverTheIdsOfPositiveWeight() {
        WindowLabels sampled = WindowLabels.byWeight(
                new int[][] {{0, 2}}, new float[][] {{0.5f, 0.5f}}, null, new float[1]); // importance weights

        WindowLabels m = MixedLabels.mix(List.of(sampled, B), new double[] {0.5, 0.5}, VOCAB);

        assertNull(m.logProbs(), "no log-probabilities: it trains as the sampled codec does");
        assertArrayEquals(new int[] {0, 1, 2, 3}, m.ids()[0]);
        assertArrayEquals(new float[] {0.275f, 0.25f, 0.45f, 0.025f}, m.weights()[0], 1e-6f);
    }

    @Test
    void anIdNoTeacherGivesMassIsLeftOutOfAnEstimate() {
        WindowLabels s1 = WindowLabels.byWeight(new int[][] {{0}}, new float[][] {{1f}}, null, new float[1]);
        WindowLabels s2 = WindowLabels.byWeight(new int[][] {{3}}, new float[][] {{1f}}, null, new float[1]);

        WindowLabels m = MixedLabels.mix(List.of(s1, s2), new double[] {0.5, 0.5}, VOCAB);

        assertArrayEquals(new int[] {0, 3}, m.ids()[0]);
        assertArrayEquals(new float[] {0.5f, 0.5f}, m.weights()[0]);
    }

    private static WindowLabels topK(int[] ids, float[] p) {
        float[] logP = new float[p.length];
        float tail = 1f;
        for (int j = 0; j < p.length; j++) {
            logP[j] = (float) Math.log(p[j]);
            tail -= p[j];
        }
        return WindowLabels.byWeight(new int[][] {ids}, new float[][] {p}, new float[][] {logP}, new float[] {tail});
    }
}
