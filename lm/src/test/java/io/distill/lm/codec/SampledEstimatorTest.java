package io.distill.lm.codec;

import static io.distill.lm.codec.CraftedPayloads.assertMalformed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code sampled:N} in layout 2: draws at T = 1 with importance weights estimate the teacher at T without bias; the
 * bytes are bounded and checked (docs/wire-format.md).
 */
class SampledEstimatorTest {
    static final int VOCAB = 16;
    static final float T = 2f;
    /** Draws at T = 1 weighted to estimate p_T: the importance ratios are what the estimate rests on. */
    private static final float PROPOSAL = 1f;

    /** A peaked teacher: at T = 2 its distribution is much flatter than at 1, so the two are easy to tell apart. */
    static float[] teacherLogits() {
        float[] z = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            z[i] = 4f - 0.7f * i + (i % 3) * 0.3f;
        }
        return z;
    }

    static double[] softmax(float[] z, float temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : z) {
            max = Math.max(max, x / temperature);
        }
        double[] p = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] / temperature - max);
            sum += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** The payload of {@code positions} positions of the same teacher logits at T, as the teacher encodes it. */
    static byte[] encode(Sampled codec, float[] z, int positions, long seed, float proposal) {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] rows = new float[positions * VOCAB];
            for (int j = 0; j < positions; j++) {
                for (int i = 0; i < VOCAB; i++) {
                    rows[j * VOCAB + i] = z[i] / T;
                }
            }
            NDArray logProbs = m.create(rows, new Shape(1, positions, VOCAB)).logSoftmax(-1);
            return codec.encoder(logProbs, T, proposal).encode(0, positions, seed);
        }
    }

    /** {@link #encode}d, then decoded with the trainer's code. */
    private static WindowLabels encodeAndDecode(Sampled codec, float[] z, int positions, long seed) {
        return codec.decode(encode(codec, z, positions, seed, PROPOSAL), positions, VOCAB);
    }

    @Test
    void theAverageOfManyEncodingsIsTheTeacherAtT() {
        float[] z = teacherLogits();
        double[] pT = softmax(z, T);
        double[] p1 = softmax(z, 1f);
        double[] mean = new double[VOCAB];
        int positions = 4000;
        int windows = 5;
        for (int w = 0; w < windows; w++) {
            WindowLabels decoded = encodeAndDecode(new Sampled(12), z, positions, 1000 + w);
            for (int j = 0; j < positions; j++) {
                for (int k = 0; k < decoded.ids()[j].length; k++) {
                    mean[decoded.ids()[j][k]] += decoded.weights()[j][k] / (double) (positions * windows);
                }
            }
        }
        double tolerance = 0.006; // about 6 standard errors of the largest weight's mean at 20,000 positions
        double withoutRatios = 0; // the draws alone (count / N) would average to p_1
        for (int i = 0; i < VOCAB; i++) {
            assertEquals(pT[i], mean[i], tolerance, "id " + i + ": " + Arrays.toString(mean));
            withoutRatios = Math.max(withoutRatios, Math.abs(p1[i] - pT[i]));
        }
        assertTrue(withoutRatios > 10 * tolerance, "the test tells p_1 from p_T: " + withoutRatios);
    }

    /** E[distinct ids among n independent draws] = sum_i 1 - (1 - p_i)^n; systematic draws give fewer. */
    private static double expectedDistinct(double[] p, int n) {
        return Arrays.stream(p).map(x -> 1 - Math.pow(1 - x, n)).sum();
    }

    @Test
    void theTeacherDrawsAtTSoEveryRatioIsOne() {
        assertEquals(2f, Sampled.proposalTemperature(2f));
        assertEquals(0.5f, Sampled.proposalTemperature(0.5f));
    }

    @Test
    void roundingTheLogWeightsToTheirGridAddsNoBias() {
        double lnWeight = Math.log(1.0 / 12); // -39.76 steps: rounding to nearest would read 1.5% low
        SplittableRandom random = new SplittableRandom(3);
        double sum = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(SampledWeightsLayout.unbiasedSteps(lnWeight, random) * SampledWeightsLayout.STEP);
        }
        assertEquals(1.0 / 12, sum / n, 1e-4 / 12);
        double nearest = Math.exp(Math.round(lnWeight / SampledWeightsLayout.STEP) * SampledWeightsLayout.STEP);
        assertTrue(Math.abs(nearest - 1.0 / 12) > 10 * 1e-4 / 12, "the test tells the two roundings apart");
    }

    @Test
    void roundTripsWithinAStepAndCostsWhatTheLayoutSays() {
        // weights 0.25 and 0.5 of ids 40 (drawn most) and 3, a single id 7 of weight 2
        int[][] ids = {{40, 3}, {7}};
        int[][] counts = {{7, 5}, {12}};
        double[][] lnWeights = {{Math.log(0.25), Math.log(0.5)}, {Math.log(2)}};
        byte[] payload = SampledWeightsLayout.pack(ids, counts, lnWeights, new SplittableRandom(1));
        WindowLabels decoded = new Sampled(12).decode(payload, 2, 259);
        assertEquals(3, decoded.ids()[0][0]);
        assertEquals(40, decoded.ids()[0][1]);
        assertEquals(0.5, decoded.weights()[0][0], 0.5 * 0.065);
        assertEquals(0.25, decoded.weights()[0][1], 0.25 * 0.065);
        assertEquals(2.0, decoded.weights()[1][0], 2 * 0.065);
        assertEquals(40, decoded.mostLikely(0), "the most drawn, not the largest weight");
        assertEquals(7, decoded.mostLikely(1));
        // layout, ids, then m + index + 2 steps, and m alone for D = 1
        assertEquals(1 + CraftedPayloads.idSectionBytes(new int[][] {{3, 40}, {7}}, true) + 4 + 1, payload.length);
    }

    @Test
    void layoutTwoBytesPerPositionStayInTheBudget() {
        // per position D, the ids (one byte each here), m (one byte), and unless D = 1 the index and D steps
        float[] z = teacherLogits();
        int positions = 256;
        byte[] payload = encode(new Sampled(12), z, positions, 5, PROPOSAL);
        double perPosition = payload.length / (double) positions;
        assertTrue(perPosition <= 2 * expectedDistinct(softmax(z, 1f), 12) + 4, "bytes " + perPosition);
    }

    @Test
    void craftedLayoutTwoPayloadsAreRefusedNeverCrash() {
        Sampled codec = new Sampled(12);
        byte[] good = SampledWeightsLayout.pack(
                new int[][] {{1, 2}}, new int[][] {{1, 1}}, new double[][] {{-1, -2}}, new SplittableRandom(1));
        assertEquals(good.length, layoutTwo(2, 0, 0, 0, 1).length, "layoutTwo writes what pack writes");
        // an exponent beyond +-64 nats, no step at 0, a most-drawn index past D, more ids than draws, trailing
        // bytes, cut anywhere
        assertMalformed(() -> codec.decode(layoutTwo(1, 5000), 1, 259));
        assertMalformed(() -> codec.decode(layoutTwo(2, 1, 0, 2, 3), 1, 259));
        assertMalformed(() -> codec.decode(layoutTwo(2, 1, 2, 0, 3), 1, 259));
        assertMalformed(() -> new Sampled(1).decode(good, 1, 259));
        assertMalformed(() -> codec.decode(Arrays.copyOf(good, good.length + 1), 1, 259));
        for (int cut = 0; cut < good.length; cut++) {
            byte[] shorter = Arrays.copyOf(good, cut);
            assertThrows(InvalidPayloadException.class, () -> codec.decode(shorter, 1, 259), "cut at " + cut);
        }
        byte[] unknown = good.clone();
        unknown[0] = 4;
        var e = assertThrows(InvalidPayloadException.class, () -> codec.decode(unknown, 1, 259));
        assertEquals(InvalidPayloadException.Reason.UNKNOWN_LAYOUT, e.reason());
        assertTrue(e.getMessage().contains("layout 1 or 2 or 3"), e.getMessage());
        // random bytes after the layout byte: refused or decoded into finite weights, nothing else
        CraftedPayloads.decodeRandomBytes(SampledWeightsLayout.LAYOUT, 11, weights -> {
            for (float w : weights) {
                assertTrue(Float.isFinite(w) && w > 0, "weight " + w);
            }
        });
    }

    /** A one-position layout 2 payload: D ids 0, 1, ..., then m (zigzag) and the bytes after it. */
    private static byte[] layoutTwo(int distinct, int m, int... rest) {
        ByteSink out = CraftedPayloads.onePosition(SampledWeightsLayout.LAYOUT, distinct);
        Varint.writeSigned(out, m);
        return CraftedPayloads.then(out, rest);
    }
}
