package io.distill.lm.codec;

import static io.distill.lm.codec.CraftedPayloads.assertMalformed;
import static io.distill.lm.codec.SampledEstimatorTest.T;
import static io.distill.lm.codec.SampledEstimatorTest.VOCAB;
import static io.distill.lm.codec.SampledEstimatorTest.encode;
import static io.distill.lm.codec.SampledEstimatorTest.softmax;
import static io.distill.lm.codec.SampledEstimatorTest.teacherLogits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code sampled:N} as the teacher writes it: threshold draws at T ({@link ThresholdDraws}) in layout 3 ({@link
 * SampledSharesLayout}), an unbiased estimate of p_T with N distinct ids, the likely ones exact.
 */
class SampledSharesTest {
    private static final int N = 12;

    private static WindowLabels encodeAndDecode(float[] z, int positions, long seed) {
        byte[] payload = encode(new Sampled(N), z, positions, seed, T);
        assertEquals(SampledSharesLayout.LAYOUT, payload[0], "the teacher writes layout 3");
        return new Sampled(N).decode(payload, positions, VOCAB);
    }

    @Test
    void theAverageOfManyEncodingsIsTheTeacherAtT() {
        float[] z = teacherLogits();
        double[] pT = softmax(z, T);
        double[] mean = new double[VOCAB];
        int positions = 4000;
        int windows = 5;
        for (int w = 0; w < windows; w++) {
            WindowLabels decoded = encodeAndDecode(z, positions, 1000 + w);
            for (int j = 0; j < positions; j++) {
                for (int k = 0; k < decoded.ids()[j].length; k++) {
                    mean[decoded.ids()[j][k]] += decoded.weights()[j][k] / (double) (positions * windows);
                }
            }
        }
        for (int i = 0; i < VOCAB; i++) {
            // far tighter than draws with replacement allow: only the tail ids and the grid rounding vary
            assertEquals(pT[i], mean[i], 0.002, "id " + i + ": " + Arrays.toString(mean));
        }
    }

    @Test
    void everyPositionHasNDistinctIdsTheLikelyOnesWithTheirOwnProbability() {
        float[] z = teacherLogits();
        double[] p = softmax(z, T);
        // the threshold of this teacher: keep the likeliest while it reaches (mass left) / (draws left)
        double[] sorted = Arrays.stream(p).map(x -> -x).sorted().map(x -> -x).toArray();
        double rest = 1;
        int kept = 0;
        while (sorted[kept] >= rest / (N - kept)) {
            rest -= sorted[kept++];
        }
        assertTrue(kept >= 2 && kept < N, "the test teacher has kept and drawn ids: " + kept);
        double tau = rest / (N - kept);
        int positions = 300;
        WindowLabels decoded = encodeAndDecode(z, positions, 7);
        for (int j = 0; j < positions; j++) {
            assertEquals(N, decoded.ids()[j].length, "distinct ids at position " + j);
            double sum = 0;
            int likely = 0;
            for (int k = 0; k < N; k++) {
                int id = decoded.ids()[j][k];
                double w = decoded.weights()[j][k];
                sum += w;
                if (p[id] >= sorted[kept - 1]) {
                    likely++;
                    assertEquals(p[id], w, p[id] * 0.065, "kept id " + id + " weighs its probability, within a step");
                } else {
                    assertEquals(tau, w, tau * 0.065, "a drawn id " + id + " weighs the threshold, within a step");
                }
            }
            assertEquals(kept, likely, "every id above the threshold, at every position");
            assertEquals(1.0, sum, 0.065, "the weights add up to 1, within a step");
            assertEquals(Arrays.stream(p).boxed().toList().indexOf(sorted[0]), decoded.mostLikely(j));
        }
    }

    @Test
    void aConfidentPositionDrawsFewIdsAndStaysUnbiased() {
        float[] z = new float[VOCAB];
        z[3] = 2 * 11f; // p_T(3) = 0.99975 at T = 2: the other 15 ids share 2.5e-4
        double[] p = softmax(z, T);
        int positions = 20_000;
        byte[] payload = encode(new Sampled(N), z, positions, 3, T);
        WindowLabels decoded = new Sampled(N).decode(payload, positions, VOCAB);
        double ids = 0;
        double[] mean = new double[VOCAB];
        for (int j = 0; j < positions; j++) {
            ids += decoded.ids()[j].length / (double) positions;
            for (int k = 0; k < decoded.ids()[j].length; k++) {
                mean[decoded.ids()[j][k]] += decoded.weights()[j][k] / positions;
            }
        }
        double rest = 1 - p[3];
        assertEquals(1 + rest / ThresholdDraws.MIN_DRAWN_WEIGHT, ids, 0.05, "ids a position, not " + N);
        assertEquals(rest, Arrays.stream(mean).sum() - mean[3], rest * 0.15, "the rest's mass, on average");
        assertEquals(p[3], mean[3], p[3] * 0.04, "the confident id keeps its probability");
    }

    @Test
    void aPositionCostsItsIdsAndTwoBytesPerKeptId() {
        float[] z = teacherLogits();
        int positions = 256;
        byte[] payload = encode(new Sampled(N), z, positions, 5, T);
        WindowLabels decoded = new Sampled(N).decode(payload, positions, VOCAB);
        int kept = 0;
        for (int j = 0; j < positions; j++) {
            float[] w = decoded.weights()[j];
            float share = w[0];
            for (float x : w) {
                share = Math.min(share, x);
            }
            for (float x : w) {
                kept += x > share * 1.0001f ? 1 : 0;
            }
        }
        // layout byte, ids, per position h, 2 bytes per kept id and the drawn ids' weight; a kept id that rounded
        // to the drawn ids' weight is not told apart here
        int minimum = 1 + CraftedPayloads.idSectionBytes(decoded.ids(), true) + positions * 2 + 2 * kept;
        assertTrue(payload.length >= minimum && payload.length <= minimum + 2 * positions, payload.length + " bytes");
    }

    @Test
    void craftedPayloadsAreRefusedNeverCrash() {
        Sampled codec = new Sampled(N);
        // h past D, indices out of order or past D, trailing bytes, cut anywhere
        assertMalformed(() -> codec.decode(layoutThree(2, 3), 1, 259));
        assertMalformed(() -> codec.decode(layoutThree(3, 2, 1, 0, 5, 5, 9), 1, 259));
        assertMalformed(() -> codec.decode(layoutThree(3, 2, 0, 0, 5, 5, 9), 1, 259));
        assertMalformed(() -> codec.decode(layoutThree(2, 1, 2, 5, 9), 1, 259));
        byte[] good = layoutThree(3, 1, 1, 8, 24);
        WindowLabels decoded = codec.decode(good, 1, 259);
        assertEquals(Math.exp(-0.5), decoded.weights()[0][1], 1e-6, "s = 8 is exp(-1/2)");
        assertEquals(Math.exp(-1.5), decoded.weights()[0][0], 1e-6, "the drawn ids' weight");
        assertEquals(Math.exp(-1.5), decoded.weights()[0][2], 1e-6);
        assertEquals(1, decoded.top()[0], "the kept id of the largest weight is the most likely");
        float[] allKept = codec.decode(layoutThree(2, 2, 0, 1, 16, 32), 1, 259).weights()[0];
        assertEquals(Math.exp(-2), allKept[1], 1e-6, "h = D: no drawn ids' weight follows");
        assertMalformed(() -> codec.decode(Arrays.copyOf(good, good.length + 1), 1, 259));
        for (int cut = 0; cut < good.length; cut++) {
            byte[] shorter = Arrays.copyOf(good, cut);
            assertThrows(InvalidPayloadException.class, () -> codec.decode(shorter, 1, 259), "cut at " + cut);
        }
        // random bytes after the layout byte: refused or decoded into finite weights in [0, 1], nothing else
        CraftedPayloads.decodeRandomBytes(SampledSharesLayout.LAYOUT, 13, weights -> {
            for (float w : weights) {
                assertTrue(w >= 0 && w <= 1, "weight " + w);
            }
        });
    }

    /** A one-position layout 3 payload: D ids 0, 1, ..., then h and the bytes after it. */
    private static byte[] layoutThree(int distinct, int kept, int... rest) {
        ByteSink out = CraftedPayloads.onePosition(SampledSharesLayout.LAYOUT, distinct);
        out.write(kept);
        return CraftedPayloads.then(out, rest);
    }
}
