package io.distill.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SoftLabelPayloadTest {

    @Test
    void topKRoundTripsSortedByIdWithFp16Precision() {
        int[][] ids = {{7, 3, 250}, {0, 1, 2}};
        float[][] logProbs = {{-0.5f, -1.25f, -3.0f}, {-2f, -0.2f, -4.5f}};
        var packed = SoftLabelPayload.packTopK(ids, logProbs, new float[] {4.5f, 5.5f});

        DecodedSoftLabels decoded = SoftLabelPayload.unpack(record(CodecKind.TOPK, 3, 3, packed), 259);

        assertArrayEquals(new int[] {3, 7, 250}, decoded.ids()[0]);
        assertArrayEquals(new float[] {-1.25f, -0.5f, -3.0f}, decoded.logProbs()[0], 1e-3f);
        assertArrayEquals(new float[] {-2f, -0.2f, -4.5f}, decoded.logProbs()[1], 2e-3f);
        double kept = Math.exp(-1.25) + Math.exp(-0.5) + Math.exp(-3.0);
        assertEquals(1 - kept, decoded.tailMass(0), 1e-3);
        assertEquals(CodecKind.TOPK, decoded.kind());
    }

    @Test
    void sampledRoundTripsCountsAsWeights() {
        int[][] ids = {{42, 5}, {9}};
        int[][] counts = {{2, 10}, {12}};
        var packed = SoftLabelPayload.packSampled(ids, counts);

        DecodedSoftLabels decoded = SoftLabelPayload.unpack(record(CodecKind.SAMPLED, 12, 3, packed), 259);

        assertArrayEquals(new int[] {5, 42}, decoded.ids()[0]);
        assertArrayEquals(new float[] {10 / 12f, 2 / 12f}, decoded.weights()[0]);
        assertArrayEquals(new float[] {1f}, decoded.weights()[1]);
        assertEquals(0f, decoded.tailMass(0));
    }

    @Test
    void idsOutsideTheVocabularyAreRefused() {
        var packed = SoftLabelPayload.packTopK(new int[][] {{300}}, new float[][] {{-1f}}, new float[] {1f});

        var e = assertThrows(
                InvalidSoftLabelsException.class,
                () -> SoftLabelPayload.unpack(record(CodecKind.TOPK, 1, 2, packed), 259));
        assertEquals(InvalidSoftLabelsException.Reason.MALFORMED_PAYLOAD, e.reason());
    }

    @Test
    void nonFiniteValuesAreRefused() {
        var nanLogProb = SoftLabelPayload.packTopK(new int[][] {{1}}, new float[][] {{Float.NaN}}, new float[] {1f});
        var nanLse = SoftLabelPayload.packTopK(new int[][] {{1}}, new float[][] {{-1f}}, new float[] {Float.NaN});

        for (var packed : List.of(nanLogProb, nanLse)) {
            var e = assertThrows(
                    InvalidSoftLabelsException.class,
                    () -> SoftLabelPayload.unpack(record(CodecKind.TOPK, 1, 2, packed), 259));
            assertEquals(InvalidSoftLabelsException.Reason.NON_FINITE, e.reason());
        }
    }

    @Test
    void inconsistentPayloadsAreRefused() {
        var topK = SoftLabelPayload.packTopK(new int[][] {{1, 2}}, new float[][] {{-1f, -2f}}, new float[] {1f});
        var sampled = SoftLabelPayload.packSampled(new int[][] {{1, 2}}, new int[][] {{3, 4}});

        // more positions claimed than carried, fewer, counts that do not add up to N, truncated ids
        assertMalformed(record(CodecKind.TOPK, 2, 3, topK));
        assertMalformed(record(CodecKind.TOPK, 1, 2, topK));
        assertMalformed(record(CodecKind.SAMPLED, 12, 2, sampled));
        var cut = new SoftLabelPayload.Packed(ByteBuffer.wrap(new byte[] {1}), topK.values(), topK.logSumExp());
        assertMalformed(record(CodecKind.TOPK, 2, 2, cut));
    }

    @Test
    void bytesPerTokenStayWithinTheWireTargets() {
        // A sharp Zipf-like teacher: what real language models look like at temperature 2.
        for (int vocab : new int[] {259, 50_257}) {
            SplittableRandom random = new SplittableRandom(7);
            int positions = 128;
            int[][] topIds = new int[positions][32];
            float[][] topLogProbs = new float[positions][32];
            int[][] drawnIds = new int[positions][];
            int[][] drawCounts = new int[positions][];
            for (int t = 0; t < positions; t++) {
                List<Integer> shuffled = new ArrayList<>();
                for (int i = 0; i < Math.min(vocab, 4096); i++) {
                    shuffled.add(random.nextInt(vocab));
                }
                List<Integer> distinct = shuffled.stream().distinct().toList();
                for (int j = 0; j < 32; j++) {
                    topIds[t][j] = distinct.get(j);
                    topLogProbs[t][j] = (float) Math.log(0.3 / (j + 1));
                }
                var counts = new TreeMap<Integer, Integer>();
                for (int d = 0; d < 12; d++) {
                    int rank = Math.max(0, Math.min((int) (1 / (random.nextDouble() + 0.08)), 32) - 1);
                    counts.merge(topIds[t][rank], 1, Integer::sum);
                }
                drawnIds[t] =
                        counts.keySet().stream().mapToInt(Integer::intValue).toArray();
                drawCounts[t] =
                        counts.values().stream().mapToInt(Integer::intValue).toArray();
            }
            var tokens = Collections.nCopies(positions + 1, vocab - 1);
            var topK = record(
                    CodecKind.TOPK,
                    32,
                    positions + 1,
                    SoftLabelPayload.packTopK(topIds, topLogProbs, new float[positions]));
            topK.setTokens(tokens);
            var sampled =
                    record(CodecKind.SAMPLED, 12, positions + 1, SoftLabelPayload.packSampled(drawnIds, drawCounts));
            sampled.setTokens(tokens);

            double topKBytes = DistillSerdes.softLabels().encode(topK).length / (double) positions;
            double sampledBytes = DistillSerdes.softLabels().encode(sampled).length / (double) positions;
            System.out.printf(
                    "vocab %d: topk:32 %.1f bytes/token, sampled:12 %.1f bytes/token%n",
                    vocab, topKBytes, sampledBytes);
            assertTrue(sampledBytes <= 40, "sampled:12 at vocab " + vocab + ": " + sampledBytes);
            assertTrue(topKBytes <= 140, "topk:32 at vocab " + vocab + ": " + topKBytes);
        }
    }

    private static void assertMalformed(SoftLabels record) {
        var e = assertThrows(InvalidSoftLabelsException.class, () -> SoftLabelPayload.unpack(record, 259));
        assertEquals(InvalidSoftLabelsException.Reason.MALFORMED_PAYLOAD, e.reason(), e.getMessage());
    }

    private static SoftLabels record(CodecKind kind, int size, int tokens, SoftLabelPayload.Packed packed) {
        SoftLabels record = Samples.softLabels();
        record.setCodec(Codec.newBuilder().setKind(kind).setSize(size).build());
        record.setTokens(Collections.nCopies(tokens, 65));
        record.setIds(packed.ids());
        record.setValues(packed.values());
        record.setLogSumExp(packed.logSumExp());
        return record;
    }
}
