package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.codec.Codec;
import io.distill.lm.codec.Sampled;
import io.distill.lm.codec.SampledTargets;
import io.distill.lm.codec.TopK;
import io.distill.lm.codec.TopKTargets;
import io.distill.lm.codec.WindowLabels;
import io.distill.lm.train.Batch;
import java.util.List;
import java.util.OptionalDouble;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BatchAssemblerTest {

    @Test
    void topKWindowsArePaddedToTheLongestWithMaskedPadding() {
        // window a: 3 positions, window b: 1 position; K = 2 at T = 2
        TrainingWindow a = topK(new int[] {1, 2, 3, 4}, new int[][] {{5, 6}, {7, 8}, {9, 10}});
        TrainingWindow b = topK(new int[] {11, 12}, new int[][] {{13, 14}});
        List<TrainingWindow.Piece> pieces =
                List.of(a.pieces(64).get(0), b.pieces(64).get(0));
        try (NDManager m = NDManager.newBaseManager();
                Batch batch = BatchAssembler.assemble(m, pieces, a.batchKey())) {
            assertArrayEquals(new long[] {1, 2, 3, 11, 12, 0}, batch.tokens().toLongArray());
            assertArrayEquals(new long[] {2, 3, 4, 12, 0, 0}, batch.targets().toLongArray());
            assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0}, batch.mask().toFloatArray());
            TopKTargets soft = (TopKTargets) batch.teacher().orElseThrow();
            assertEquals(new Shape(2, 3, 2), soft.ids().getShape());
            assertEquals(new Shape(2, 3, 2), soft.logProbs().getShape());
            assertEquals(2f, soft.temperature());
            assertArrayEquals(
                    new long[] {5, 6, 7, 8, 9, 10, 13, 14, 0, 0, 0, 0},
                    soft.ids().toLongArray());
            float[] lp = soft.logProbs().toFloatArray();
            assertEquals((float) Math.log(0.5), lp[0], 1e-6);
            for (int i = 8; i < 12; i++) {
                assertEquals(TopKTargets.PAD_LOG_PROB, lp[i], "padding slot");
                assertEquals(0f, (float) Math.exp(lp[i]), "zero weight");
            }
            for (float v : lp) {
                assertTrue(Float.isFinite(v));
            }
        }
        assertEquals(4, BatchAssembler.realPositions(pieces));
    }

    @Test
    void sampledPositionsArePaddedToTheWidestWithZeroCounts() {
        TrainingWindow a =
                sampled(new int[] {1, 2, 3}, new int[][] {{4}, {5, 6, 7}}, new float[][] {{1f}, {0.5f, 0.25f, 0.25f}});
        try (NDManager m = NDManager.newBaseManager();
                Batch batch = BatchAssembler.assemble(m, a.pieces(64), a.batchKey())) {
            SampledTargets soft = (SampledTargets) batch.teacher().orElseThrow();
            assertEquals(new Shape(1, 2, 3), soft.ids().getShape());
            assertArrayEquals(new long[] {4, 0, 0, 5, 6, 7}, soft.ids().toLongArray());
            assertArrayEquals(
                    new float[] {1f, 0f, 0f, 0.5f, 0.25f, 0.25f}, soft.weights().toFloatArray());
        }
    }

    @Test
    void aWindowLongerThanTheContextIsCutIntoPiecesThatKeepEveryPosition() {
        int[] tokens = {1, 2, 3, 4, 5, 6};
        int[][] ids = {{10, 11}, {12, 13}, {14, 15}, {16, 17}, {18, 19}};
        List<TrainingWindow.Piece> pieces = topK(tokens, ids).pieces(2);
        assertEquals(3, pieces.size());
        assertArrayEquals(new int[] {1, 2, 3}, pieces.get(0).tokens());
        assertArrayEquals(new int[] {3, 4, 5}, pieces.get(1).tokens());
        assertArrayEquals(new int[] {5, 6}, pieces.get(2).tokens());
        assertArrayEquals(new int[] {18, 19}, pieces.get(2).soft().ids()[0]);
        assertEquals(5, BatchAssembler.realPositions(pieces), "every position once");
    }

    @Test
    void aTopKPieceWithTheWrongNumberOfIdsIsRefused() {
        TrainingWindow a = topK(new int[] {1, 2}, new int[][] {{5, 6}});
        TrainingWindow.BatchKey wider = new TrainingWindow.BatchKey(new TopK(3), 2f);
        try (NDManager m = NDManager.newBaseManager()) {
            assertThrows(IllegalArgumentException.class, () -> BatchAssembler.assemble(m, a.pieces(64), wider));
        }
    }

    static TrainingWindow topK(int[] tokens, int[][] ids) {
        float[][] weights = new float[ids.length][];
        float[][] logProbs = new float[ids.length][];
        for (int t = 0; t < ids.length; t++) {
            weights[t] = new float[ids[t].length];
            logProbs[t] = new float[ids[t].length];
            for (int j = 0; j < ids[t].length; j++) {
                weights[t][j] = 1f / (ids[t].length * 1.25f);
                logProbs[t][j] = (float) Math.log(weights[t][j]);
            }
        }
        weights[0][0] = 0.5f;
        logProbs[0][0] = (float) Math.log(0.5);
        return window(
                tokens, WindowLabels.byWeight(ids, weights, logProbs, tails(ids.length)), new TopK(ids[0].length));
    }

    static TrainingWindow sampled(int[] tokens, int[][] ids, float[][] weights) {
        return window(tokens, WindowLabels.byWeight(ids, weights, null, tails(ids.length)), new Sampled(4));
    }

    private static TrainingWindow window(int[] tokens, WindowLabels soft, Codec codec) {
        return new TrainingWindow(
                "s", 0, tokens, soft, 2f, codec, OptionalDouble.empty(), new TopicPartition("t", 0), 0, null, null);
    }

    /** Tail masses are not what these tests look at. */
    private static float[] tails(int positions) {
        return new float[positions];
    }
}
