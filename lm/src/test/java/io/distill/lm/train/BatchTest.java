package io.distill.lm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill.lm.tokenize.Padding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchTest {

    private static final int PAD = Padding.PAD;

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
    void windowsBecomeShiftedInputsAndTargetsWithPaddingMasked() {
        try (Batch b = Batch.fromWindows(m, new int[][] {{1, 2, 3, 4}, {5, 6, PAD, PAD}})) {
            assertEquals(new Shape(2, 3), b.tokens().getShape());
            // padding is fed and targeted as id 0, and masked
            assertArrayEquals(new long[] {1, 2, 3, 5, 6, 0}, b.tokens().toLongArray());
            assertArrayEquals(new long[] {2, 3, 4, 6, 0, 0}, b.targets().toLongArray());
            assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0}, b.mask().toFloatArray());
            assertEquals(6, b.tokenCount());
            assertFalse(b.teacher().isPresent());
        }
    }

    @Test
    void closingTheBatchFreesItsArrays() {
        int before = m.getManagedArrays().size();
        Batch b = Batch.fromWindows(m, new int[][] {{1, 2, 3}});
        b.tokens().add(1); // anything computed from the batch lives in its manager
        b.close();
        assertEquals(before, m.getManagedArrays().size());
    }

    @Test
    void raggedOrEmptyWindowsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Batch.fromWindows(m, new int[][] {{1, 2, 3}, {1, 2}}));
        assertThrows(IllegalArgumentException.class, () -> Batch.fromWindows(m, new int[][] {{1}}));
        assertThrows(IllegalArgumentException.class, () -> Batch.fromWindows(m, new int[0][]));
    }
}
