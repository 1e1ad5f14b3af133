package io.distill.lm.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Round trips and refusals of the payload bytes of both codecs (layouts in docs/wire-format.md). */
class PayloadLayoutTest {
    private static final TopK TOP3 = new TopK(3);
    private static final Sampled SAMPLED12 = new Sampled(12);

    @Test
    void topKRoundTripsSortedByIdWithItsTailMassExact() {
        int[][] ids = {{7, 3, 250}, {0, 1, 2}};
        float[][] logProbs = {{-0.5f, -1.25f, -3.0f}, {-2f, -0.2f, -4.5f}};
        WindowLabels decoded = TOP3.decode(TopKLayout.pack(ids, logProbs), 2, 259);

        assertArrayEquals(new int[] {3, 7, 250}, decoded.ids()[0]);
        // 8-bit steps of 1/16 nat relative to the maximum, scaled to the exact head mass: within half a step
        assertArrayEquals(new float[] {-1.25f, -0.5f, -3.0f}, decoded.logProbs()[0], 1f / 32);
        assertArrayEquals(new float[] {-2f, -0.2f, -4.5f}, decoded.logProbs()[1], 1f / 32);
        double kept = Math.exp(-1.25) + Math.exp(-0.5) + Math.exp(-3.0);
        assertEquals(1 - kept, decoded.tailMass(0), 1e-3);
        double decodedHead = 0;
        for (float w : decoded.weights()[0]) {
            decodedHead += w;
        }
        assertEquals(1.0, decodedHead + decoded.tailMass(0), 1e-6, "head and tail make a distribution");
        assertEquals(7, decoded.mostLikely(0));
    }

    @Test
    void topKOverTheWholeVocabularyHasNoTail() {
        float[][] logProbs = {{(float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.25)}};
        WindowLabels decoded = TOP3.decode(TopKLayout.pack(new int[][] {{0, 1, 2}}, logProbs), 1, 3);
        assertEquals(0f, decoded.tailMass(0), 1e-6);
        assertArrayEquals(new float[] {0.5f, 0.25f, 0.25f}, decoded.weights()[0], 0.5f / 32); // half a step
    }

    @Test
    void sampledLayoutOneStillDecodesCountsAsWeights() {
        int[][] ids = {{42, 5}, {9}, {1, 2, 3}};
        int[][] counts = {{2, 10}, {12}, {1, 1, 10}};
        WindowLabels decoded = SAMPLED12.decode(SampledCountsLayout.pack(ids, counts, 12), 3, 259);

        assertArrayEquals(new int[] {5, 42}, decoded.ids()[0]);
        assertArrayEquals(new float[] {10 / 12f, 2 / 12f}, decoded.weights()[0]);
        assertArrayEquals(new float[] {1f}, decoded.weights()[1]);
        assertArrayEquals(new float[] {1 / 12f, 1 / 12f, 10 / 12f}, decoded.weights()[2]);
        assertEquals(0f, decoded.tailMass(0));
        assertEquals(3, decoded.mostLikely(2));
    }

    @Test
    void sampledWithEveryDrawDistinctCarriesNoCounts() {
        int[][] ids = {{1, 2, 3}};
        byte[] payload = SampledCountsLayout.pack(ids, new int[][] {{1, 1, 1}}, 3);
        assertArrayEquals(
                new float[] {1 / 3f, 1 / 3f, 1 / 3f},
                new Sampled(3).decode(payload, 1, 10).weights()[0]);
    }

    @Test
    void idsOutsideTheVocabularyAreRefused() {
        byte[] payload = TopKLayout.pack(new int[][] {{300}}, new float[][] {{-1f}});
        assertRefused(InvalidPayloadException.Reason.MALFORMED_PAYLOAD, () -> new TopK(1).decode(payload, 1, 259));
    }

    @Test
    void nonFiniteValuesAreRefused() {
        assertThrows(
                IllegalArgumentException.class, () -> TopKLayout.pack(new int[][] {{1}}, new float[][] {{Float.NaN}}));
        byte[] payload = TopKLayout.pack(new int[][] {{1}}, new float[][] {{-1f}});
        // the payload ends with fp16 ln(tail) and the one id's step: overwrite ln(tail) with fp16 NaN
        payload[payload.length - 3] = (byte) 0x00;
        payload[payload.length - 2] = (byte) 0x7E;
        assertRefused(InvalidPayloadException.Reason.NON_FINITE, () -> new TopK(1).decode(payload, 1, 259));
    }

    @Test
    void inconsistentPayloadsAreRefused() {
        byte[] topK = TopKLayout.pack(new int[][] {{1, 2}}, new float[][] {{-1f, -2f}});
        byte[] sampled = SampledCountsLayout.pack(new int[][] {{1, 2}}, new int[][] {{3, 4}}, 7);

        // more positions claimed than carried, fewer, counts that do not add up to N, truncated, trailing bytes
        assertMalformed(() -> new TopK(2).decode(topK, 2, 259));
        assertMalformed(() -> new TopK(1).decode(topK, 1, 259));
        assertMalformed(() -> SAMPLED12.decode(sampled, 1, 259));
        assertMalformed(() -> new Sampled(5).decode(sampled, 1, 259));
        for (int cut = 0; cut < topK.length; cut++) {
            byte[] shorter = Arrays.copyOf(topK, cut);
            assertThrows(InvalidPayloadException.class, () -> new TopK(2).decode(shorter, 1, 259), "cut at " + cut);
        }
        assertMalformed(() -> new TopK(2).decode(Arrays.copyOf(topK, topK.length + 1), 1, 259));
    }

    @Test
    void anUnknownLayoutIsRefusedAsSuch() {
        byte[] payload = TopKLayout.pack(new int[][] {{1}}, new float[][] {{-1f}});
        payload[0] = 2;
        var e = assertRefused(InvalidPayloadException.Reason.UNKNOWN_LAYOUT, () -> new TopK(1).decode(payload, 1, 259));
        assertTrue(e.getMessage().contains("layout 2"), e.getMessage());
    }

    @Test
    void idsRepeatingAcrossPositionsUseTheWindowDictionary() {
        // 64 positions over the same 40 ids of a 150k vocabulary: per-position gaps take about 15 bits an id,
        // indices 3 (gaps of 5 ids among 40).
        int[][] ids = new int[64][8];
        float[][] logProbs = new float[64][8];
        for (int t = 0; t < 64; t++) {
            for (int j = 0; j < 8; j++) {
                ids[t][j] = 3_700 * ((t + 5 * j) % 40) + 11;
                logProbs[t][j] = -1f - j;
            }
        }
        byte[] payload = TopKLayout.pack(ids, logProbs);
        assertEquals(3, payload[1], "dictionary mode");
        assertTrue(payload.length < 64 * (8 * 4 / 8 + 8 + 2) + 120, "bytes: " + payload.length);
        WindowLabels decoded = new TopK(8).decode(payload, 64, 150_000);
        for (int t = 0; t < 64; t++) {
            int[] expected = ids[t].clone();
            Arrays.sort(expected);
            assertArrayEquals(expected, decoded.ids()[t]);
        }
    }

    private static void assertMalformed(org.junit.jupiter.api.function.Executable decode) {
        assertRefused(InvalidPayloadException.Reason.MALFORMED_PAYLOAD, decode);
    }

    private static InvalidPayloadException assertRefused(
            InvalidPayloadException.Reason reason, org.junit.jupiter.api.function.Executable decode) {
        var e = assertThrows(InvalidPayloadException.class, decode);
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }
}
