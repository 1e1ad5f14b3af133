package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.lm.codec.TopK;
import io.distill.lm.codec.WindowLabels;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PendingBatchTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    @Test
    void aWindowLongerThanTheContextTakesSeveralRows() {
        PendingBatch batch = new PendingBatch(4, 3);
        batch.add(window(P0, 0, 8, 2f)); // two rows of 4 positions
        assertFalse(batch.isFull());
        batch.add(window(P0, 1, 3, 2f));
        assertTrue(batch.isFull());
        assertEquals(3, batch.pieces().size());
    }

    @Test
    void onlyWindowsOfTheSameCodecAndTemperatureShareABatch() {
        PendingBatch batch = new PendingBatch(4, 8);
        assertTrue(batch.accepts(window(P0, 0, 2, 1f)), "an empty batch takes any window");
        batch.add(window(P0, 0, 2, 2f));
        assertTrue(batch.accepts(window(P0, 1, 2, 2f)));
        assertFalse(batch.accepts(window(P0, 1, 2, 1f)));
    }

    @Test
    void aPartlyFilledBatchWaitsFromItsFirstWindow() {
        PendingBatch batch = new PendingBatch(4, 8);
        assertFalse(batch.hasWaited(Duration.ZERO, System.nanoTime()), "nothing waits in an empty batch");
        batch.add(window(P0, 0, 2, 2f));
        assertTrue(batch.hasWaited(Duration.ZERO, System.nanoTime()));
        assertFalse(batch.hasWaited(Duration.ofHours(1), System.nanoTime()));
    }

    @Test
    void windowsOfRevokedPartitionsAreDropped() {
        PendingBatch batch = new PendingBatch(4, 3);
        batch.add(window(P0, 0, 2, 2f));
        batch.add(window(P1, 0, 8, 2f));
        batch.drop(List.of(P1));
        assertEquals(1, batch.windows().size());
        assertEquals(P0, batch.windows().get(0).source());
        assertFalse(batch.isFull(), "the dropped window's rows no longer count");
        batch.clear();
        assertTrue(batch.isEmpty());
    }

    private static TrainingWindow window(TopicPartition source, long offset, int positions, float temperature) {
        int[][] ids = new int[positions][];
        float[][] weights = new float[positions][];
        float[][] logProbs = new float[positions][];
        for (int t = 0; t < positions; t++) {
            ids[t] = new int[] {65};
            weights[t] = new float[] {1f};
            logProbs[t] = new float[] {0f};
        }
        int[] tokens = new int[positions + 1];
        Arrays.fill(tokens, 65);
        return new TrainingWindow(
                "s",
                (int) offset,
                tokens,
                WindowLabels.byWeight(ids, weights, logProbs, new float[positions]),
                temperature,
                new TopK(1),
                OptionalDouble.empty(),
                source,
                offset,
                null,
                null);
    }
}
