package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distill.lm.tokenize.ByteTokenizer;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WindowingTest {
    private static int[] range(int n) {
        return IntStream.range(0, n).toArray();
    }

    @Test
    void strideEqualToContextSharesOneBoundaryToken() {
        List<int[]> windows = Windowing.cut(range(10), 4, 4);
        assertEquals(3, windows.size());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, windows.get(0));
        assertArrayEquals(new int[] {4, 5, 6, 7, 8}, windows.get(1));
        assertArrayEquals(new int[] {8, 9}, windows.get(2));
    }

    @Test
    void anExactFitEndsWithAFullWindow() {
        List<int[]> windows = Windowing.cut(range(9), 4, 4);
        assertEquals(2, windows.size());
        assertArrayEquals(new int[] {4, 5, 6, 7, 8}, windows.get(1));
    }

    @Test
    void aSmallerStrideOverlapsAndStopsAtTheEnd() {
        List<int[]> windows = Windowing.cut(range(10), 4, 2);
        assertEquals(4, windows.size());
        assertArrayEquals(new int[] {2, 3, 4, 5, 6}, windows.get(1));
        assertArrayEquals(new int[] {6, 7, 8, 9}, windows.get(3));
    }

    @Test
    void shortDocumentsAreOneShortWindowAndSingleTokensNone() {
        assertEquals(1, Windowing.cut(range(3), 8, 8).size());
        assertArrayEquals(new int[] {0, 1, 2}, Windowing.cut(range(3), 8, 8).get(0));
        assertEquals(0, Windowing.cut(range(1), 8, 8).size());
        assertEquals(0, Windowing.cut(range(0), 8, 8).size());
    }

    @Test
    void countMatchesCut() {
        for (int n = 0; n < 60; n++) {
            for (int context = 1; context < 9; context++) {
                for (int stride = 1; stride <= context; stride++) {
                    assertEquals(
                            Windowing.cut(range(n), context, stride).size(),
                            Windowing.count(n, context, stride),
                            n + " " + context + " " + stride);
                }
            }
        }
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Windowing.cut(range(5), 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Windowing.cut(range(5), 4, 5));
        assertThrows(IllegalArgumentException.class, () -> Windowing.cut(range(5), 4, 0));
    }

    @Test
    void byteStartsCountTheBytesOfEarlierTokensWithoutBos() {
        ByteTokenizer bytes = ByteTokenizer.get();
        int[] tokens = {ByteTokenizer.BOS, 'h', 0xC3, 0xA9, 'l', 'l', 'o'}; // "héllo" after a BOS that spells nothing
        List<int[]> windows = Windowing.cut(tokens, 2, 2);

        long[] starts = Windowing.byteStarts(bytes, tokens, windows.size(), 2);

        // windows start at tokens 0, 2, 4: BOS (byte 0), 0xC3 (byte 1, after 'h'), 'l' (byte 3)
        assertArrayEquals(new long[] {0, 1, 3}, starts);
    }
}
